-- AlterTable
ALTER TABLE "articles" ADD COLUMN     "cover_image_id" UUID;

-- AlterTable
ALTER TABLE "authors" ADD COLUMN     "avatar_id" UUID;

-- CreateIndex
CREATE INDEX "articles_cover_image_id_idx" ON "articles"("cover_image_id");

-- CreateIndex
CREATE INDEX "authors_avatar_id_idx" ON "authors"("avatar_id");

-- AddForeignKey
ALTER TABLE "authors" ADD CONSTRAINT "authors_avatar_id_fkey" FOREIGN KEY ("avatar_id") REFERENCES "media"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "articles" ADD CONSTRAINT "articles_cover_image_id_fkey" FOREIGN KEY ("cover_image_id") REFERENCES "media"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

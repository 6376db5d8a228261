-- AlterTable
ALTER TABLE "articles" ADD COLUMN     "body_html" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "body_text" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "render_version" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "word_count" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "comments" ADD COLUMN     "body_html" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "render_version" INTEGER NOT NULL DEFAULT 0;

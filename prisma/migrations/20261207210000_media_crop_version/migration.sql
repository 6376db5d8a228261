-- AlterTable
ALTER TABLE "media" ADD COLUMN     "crop_version" INTEGER NOT NULL DEFAULT 1;

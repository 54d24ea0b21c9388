-- CreateEnum
CREATE TYPE "comment_status" AS ENUM ('pending', 'visible', 'held', 'hidden', 'denied');

-- CreateEnum
CREATE TYPE "sentiment_label" AS ENUM ('positive', 'neutral', 'negative');

-- CreateEnum
CREATE TYPE "moderator_role" AS ENUM ('moderator', 'admin');

-- CreateEnum
CREATE TYPE "sanction_kind" AS ENUM ('mute', 'ban');

-- CreateTable
CREATE TABLE "player_sessions" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "name_key" TEXT NOT NULL,
    "world_id" TEXT NOT NULL,
    "room_id" TEXT NOT NULL,
    "joined_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "left_at" TIMESTAMPTZ(3),

    CONSTRAINT "player_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "comments" (
    "id" TEXT NOT NULL,
    "world_id" TEXT NOT NULL,
    "room_id" TEXT NOT NULL,
    "author_session_id" TEXT NOT NULL,
    "author_name" TEXT NOT NULL,
    "author_name_key" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "filled_text" TEXT,
    "sentiment_label" "sentiment_label",
    "sentiment_positive" DOUBLE PRECISION,
    "status" "comment_status" NOT NULL DEFAULT 'pending',
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tagged_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "comments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "moderators" (
    "id" TEXT NOT NULL,
    "login" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "role" "moderator_role" NOT NULL DEFAULT 'moderator',
    "failed_logins" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "last_login_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "moderators_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "moderator_sessions" (
    "token_hash" TEXT NOT NULL,
    "moderator_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "moderator_sessions_pkey" PRIMARY KEY ("token_hash")
);

-- CreateTable
CREATE TABLE "moderation_actions" (
    "id" SERIAL NOT NULL,
    "moderator_id" TEXT,
    "action" TEXT NOT NULL,
    "comment_id" TEXT,
    "target_name" TEXT,
    "reason" TEXT,
    "details" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "moderation_actions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sanctions" (
    "id" SERIAL NOT NULL,
    "kind" "sanction_kind" NOT NULL,
    "name_key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "reason" TEXT,
    "moderator_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "lifted_at" TIMESTAMPTZ(3),

    CONSTRAINT "sanctions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "moderation_events" (
    "id" SERIAL NOT NULL,
    "type" TEXT NOT NULL,
    "comment_id" TEXT,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "moderation_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "player_sessions_name_key_idx" ON "player_sessions"("name_key");

-- CreateIndex
CREATE INDEX "comments_world_id_created_at_idx" ON "comments"("world_id", "created_at");

-- CreateIndex
CREATE INDEX "comments_status_created_at_idx" ON "comments"("status", "created_at");

-- CreateIndex
CREATE INDEX "comments_author_name_key_created_at_idx" ON "comments"("author_name_key", "created_at");

-- CreateIndex
CREATE INDEX "comments_created_at_idx" ON "comments"("created_at");

-- CreateIndex
CREATE INDEX "comments_tagged_at_idx" ON "comments"("tagged_at");

-- CreateIndex
CREATE UNIQUE INDEX "moderators_login_key" ON "moderators"("login");

-- CreateIndex
CREATE INDEX "moderator_sessions_moderator_id_idx" ON "moderator_sessions"("moderator_id");

-- CreateIndex
CREATE INDEX "moderation_actions_created_at_idx" ON "moderation_actions"("created_at");

-- CreateIndex
CREATE INDEX "moderation_actions_comment_id_idx" ON "moderation_actions"("comment_id");

-- CreateIndex
CREATE INDEX "sanctions_kind_name_key_expires_at_idx" ON "sanctions"("kind", "name_key", "expires_at");

-- CreateIndex
CREATE INDEX "moderation_events_created_at_idx" ON "moderation_events"("created_at");

-- AddForeignKey
ALTER TABLE "moderator_sessions" ADD CONSTRAINT "moderator_sessions_moderator_id_fkey" FOREIGN KEY ("moderator_id") REFERENCES "moderators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "moderation_actions" ADD CONSTRAINT "moderation_actions_moderator_id_fkey" FOREIGN KEY ("moderator_id") REFERENCES "moderators"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "moderation_actions" ADD CONSTRAINT "moderation_actions_comment_id_fkey" FOREIGN KEY ("comment_id") REFERENCES "comments"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sanctions" ADD CONSTRAINT "sanctions_moderator_id_fkey" FOREIGN KEY ("moderator_id") REFERENCES "moderators"("id") ON DELETE SET NULL ON UPDATE CASCADE;

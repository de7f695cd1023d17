"""The bot joins a group, or a user adds it as a friend: say hello and how to use it.

New members of a group get nothing: greeting each one would be noise (and LINE's
`memberJoined` carries a reply token for the whole group).
"""
from __future__ import annotations

from bot.events import BotContext, Incoming
from bot.handlers.lookup import buyer, reply
from bot.messages import t
from commerce.members import ensure_group, set_follows, set_follows_by_line_id


async def on_join(incoming: Incoming, ctx: BotContext) -> list[dict]:
    if incoming.source != "group" or not incoming.group_id:
        return []
    await ensure_group(incoming.group_id)
    return reply(incoming, t(ctx.locale, "greeting_group") + "\n\n" + t(ctx.locale, "help_group"))


async def on_follow(incoming: Incoming, ctx: BotContext) -> list[dict]:
    """A friend can be told by a 1:1 push when a reply to them is no longer possible."""
    if incoming.user_id:
        member = await buyer(incoming, ctx)
        await set_follows(member.id, True)
    return reply(incoming, t(ctx.locale, "greeting_follow") + "\n\n" + t(ctx.locale, "help_direct"))


async def on_unfollow(incoming: Incoming, ctx: BotContext) -> list[dict]:
    """Blocked or removed: no more pushes to them (there is no reply token either)."""
    if incoming.user_id:
        await set_follows_by_line_id(incoming.user_id, False)
    return []


async def on_member_joined(incoming: Incoming, ctx: BotContext) -> list[dict]:
    return []

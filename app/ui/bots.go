package ui

import (
	"html"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
)

// Bots and webhooks in the timeline (docs/api.md): a bot's name carries a
// "bot" badge, a webhook's message the name its sender gave ("via
// Jenkins"), and the entries that say a webhook was made or revoked read
// as events.

// renderBotTags is what follows the author's name of message e: the bot
// badge and the via, when it has them (nothing otherwise).
func renderBotTags(l Lang, e chat.Entry) app.UI {
	return app.If(e.Bot || e.Via != "", func() app.UI {
		return app.Span().Class("bot-tags").Body(
			botTag(l, e.Bot),
			app.If(e.Via != "", func() app.UI {
				return app.Span().Class("via").Text(T(l, "entry.via", html.UnescapeString(e.Via)))
			}),
		)
	})
}

// botTag is the "bot" badge after a bot's name, when on (nothing
// otherwise): in the timeline, the people pane, the conversation list and
// search hits.
func botTag(l Lang, on bool) app.UI {
	return app.If(on, func() app.UI { return app.Span().Class("bot-tag").Text(T(l, "entry.bot")) })
}

// renderWebhookEntry is "Ann made the webhook ci" (or revoked it, or an
// outgoing hook).
func renderWebhookEntry(l Lang, e chat.Entry, seq string, when app.UI) app.UI {
	key := "entry.webhook"
	if e.Kind == chat.EntryOutgoingHook {
		key = "entry.outgoing"
	}
	if e.On {
		key += ".made"
	} else {
		key += ".revoked"
	}
	return app.Div().Class("entry", "event", "webhook").DataSet("seq", seq).Body(
		app.B().Text(html.UnescapeString(e.From)), app.Text(" "+T(l, key, html.UnescapeString(e.Subject))+" "), when,
	)
}

// botsText holds the strings of bots and webhooks; init adds them to text.
var botsText = []phrase{
	{"entry.bot", "bot", "机器人"},
	{"entry.via", "via %s", "经由 %s"},
	{"entry.webhook.made", "made the webhook %s", "创建了网络钩子 %s"},
	{"entry.webhook.revoked", "revoked the webhook %s", "撤销了网络钩子 %s"},
	{"entry.outgoing.made", "made the outgoing hook %s", "创建了传出钩子 %s"},
	{"entry.outgoing.revoked", "revoked the outgoing hook %s", "撤销了传出钩子 %s"},
}

func init() { addText(botsText) }

package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/client"
)

// topBar is the header: the skip link, the title, the connection's state,
// the buttons that open the switcher, the search and the account, and the
// page's tools (notifications, theme, language, Disconnect, Install). The
// bell, the theme and Install are components of their own; the dialogs,
// the language and the panes are the Shell's (the On handlers).
type topBar struct {
	app.Compo

	Ilang     Lang
	Imodel    *client.Model
	Irev      uint64
	Istate    client.State
	Iretry    time.Duration
	Iclosed   string       // why the last connection ended, when it matters
	Iconn     *client.Conn // Disconnect and Reconnect; nil: shown alone (tests)
	Idialog   dialog
	IonOpen   func(app.Context, dialog, string)
	IonLang   func(app.Context)
	IonSkip   func(app.Context)
	IonNotice func(app.Context, string)
	IonInfo   func(app.Context, string)
}

func newTopBar() *topBar { return &topBar{} }

func (b *topBar) Lang(v Lang) *topBar           { b.Ilang = v; return b }
func (b *topBar) Model(v *client.Model) *topBar { b.Imodel = v; return b }
func (b *topBar) Rev(v uint64) *topBar          { b.Irev = v; return b }
func (b *topBar) State(v client.State, retry time.Duration, closed string) *topBar {
	b.Istate, b.Iretry, b.Iclosed = v, retry, closed
	return b
}
func (b *topBar) Conn(v *client.Conn) *topBar                        { b.Iconn = v; return b }
func (b *topBar) Dialog(v dialog) *topBar                            { b.Idialog = v; return b }
func (b *topBar) OnOpen(h func(app.Context, dialog, string)) *topBar { b.IonOpen = h; return b }
func (b *topBar) OnLang(h func(app.Context)) *topBar                 { b.IonLang = h; return b }
func (b *topBar) OnSkip(h func(app.Context)) *topBar                 { b.IonSkip = h; return b }
func (b *topBar) OnNotice(h func(app.Context, string)) *topBar       { b.IonNotice = h; return b }
func (b *topBar) OnInfo(h func(app.Context, string)) *topBar         { b.IonInfo = h; return b }

// open is the handler of a button that opens dialog d.
func (b *topBar) open(d dialog) app.EventHandler {
	return func(ctx app.Context, e app.Event) { b.IonOpen(ctx, d, "") }
}

// onToggleConnection disconnects, or connects again.
func (b *topBar) onToggleConnection(ctx app.Context, e app.Event) {
	if b.Iconn == nil {
		return
	}
	if b.Istate == client.Offline {
		b.Iconn.Reconnect()
	} else {
		b.Iconn.Disconnect()
	}
}

// stateText says how the connection stands.
func (b *topBar) stateText() string {
	if b.Istate == client.Reconnecting && b.Iretry >= time.Second {
		return T(b.Ilang, "state.retry", int(b.Iretry.Round(time.Second)/time.Second))
	}
	return T(b.Ilang, "state."+b.Istate.String())
}

func (b *topBar) Render() app.UI {
	toggle := "btn.disconnect"
	if b.Istate == client.Offline {
		toggle = "btn.reconnect"
	}
	me := b.Imodel.Me
	named := me != ""
	return app.Header().Class("topbar").Body(
		app.If(named, func() app.UI {
			return app.Button().ID("skip").Type("button").Class("skip-link").Text(T(b.Ilang, "skip.composer")).
				OnClick(func(ctx app.Context, e app.Event) { b.IonSkip(ctx) })
		}),
		app.H1().Text(T(b.Ilang, "app.title")),
		app.Span().ID("status").Class("status", b.Istate.String()).Role("status").
			DataSet("state", b.Istate.String()).Title(b.Iclosed).Text(b.stateText()),
		newQuietNote().Lang(b.Ilang).Model(b.Imodel), // do-not-disturb (push.go)
		app.If(named, func() app.UI {
			return app.Button().ID("switcher-btn").Type("button").Class("switcher-btn").
				Aria("keyshortcuts", "Control+K Meta+K").Aria("haspopup", "dialog").OnClick(b.open(dialogSwitcher)).Body(
				app.Raw(iconSearch),
				app.Span().Class("switcher-btn-label").Text(T(b.Ilang, "switcher.button")),
				app.Kbd().Aria("hidden", "true").Text("Ctrl+K"),
			)
		}),
		app.If(named, func() app.UI {
			return app.Button().ID("search-btn").Type("button").Class("switcher-btn", "search-btn").
				Aria("keyshortcuts", "Control+F Meta+F").Aria("haspopup", "dialog").OnClick(b.open(dialogSearch)).Body(
				app.Raw(iconFindText),
				app.Span().Class("switcher-btn-label").Text(T(b.Ilang, "search.button")),
				app.Kbd().Aria("hidden", "true").Text("Ctrl+F"),
			)
		}),
		app.Div().Class("topbar-tools").Body(
			app.If(named, func() app.UI {
				return newNotifyButton().Lang(b.Ilang).Model(b.Imodel).Rev(b.Irev).OnNotice(b.IonNotice).OnInfo(b.IonInfo)
			}),
			newThemeButton().Lang(b.Ilang),
			app.Button().ID("lang").Type("button").Lang(string(otherLang(b.Ilang))).Text(T(b.Ilang, "btn.lang")).
				OnClick(func(ctx app.Context, e app.Event) { b.IonLang(ctx) }),
			app.If(named, func() app.UI {
				return app.Span().ID("me").Class("me").Body(avatar(me, "small"), app.Text(me))
			}),
			app.If(named, func() app.UI {
				return app.Button().ID("account-btn").Type("button").Aria("expanded", boolText(b.Idialog == dialogAccount)).
					Text(T(b.Ilang, "account.button")).OnClick(b.open(dialogAccount))
			}),
			app.Button().ID("conn-toggle").Type("button").Text(T(b.Ilang, toggle)).OnClick(b.onToggleConnection),
			newInstallButton().Lang(b.Ilang),
		),
	)
}

func otherLang(l Lang) Lang {
	if l == Chinese {
		return English
	}
	return Chinese
}

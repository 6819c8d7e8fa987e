package ui

import (
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// The account, as the user sees it: picking a name or signing in to one
// that has a password (nameGate, with nameForm in forms.go and signInForm),
// and the account panel (accountPanel: set a password, the devices, sign
// out), a dialog the Shell opens and closes.

// signInForm signs into a name that has a password, from any browser.
type signInForm struct {
	app.Compo

	Ilang     Lang
	Ibusy     bool
	IonSignIn func(ctx app.Context, name, password string)
	IonCancel func(ctx app.Context)
}

func (f *signInForm) Lang(l Lang) *signInForm { f.Ilang = l; return f }
func (f *signInForm) Busy(v bool) *signInForm { f.Ibusy = v; return f }
func (f *signInForm) OnCancel(h func(app.Context)) *signInForm {
	f.IonCancel = h
	return f
}
func (f *signInForm) OnSignIn(h func(app.Context, string, string)) *signInForm {
	f.IonSignIn = h
	return f
}

func (f *signInForm) Render() app.UI {
	return app.Form().ID("signin-form").Class("name-form").OnSubmit(f.onSubmit).Body(
		app.H2().Text(T(f.Ilang, "signin.title")),
		app.Label().For("signin-name").Text(T(f.Ilang, "name.label")),
		app.Input().ID("signin-name").Type("text").AutoFocus(true).MaxLength(chat.MaxNameRunes*4).Attr("autocomplete", "username"),
		app.Label().For("signin-password").Text(T(f.Ilang, "password.label")),
		app.Input().ID("signin-password").Type("password").MaxLength(chat.MaxPasswordBytes).Attr("autocomplete", "current-password"),
		app.Button().ID("signin-submit").Type("submit").Disabled(f.Ibusy).Text(T(f.Ilang, "signin.submit")),
		app.Button().ID("signin-cancel").Type("button").Class("link").Text(T(f.Ilang, "signin.back")).OnClick(f.onCancel),
	)
}

func (f *signInForm) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	name, password := inputValue("signin-name"), inputValue("signin-password")
	if f.IonSignIn != nil && strings.TrimSpace(name) != "" && password != "" {
		f.IonSignIn(ctx, name, password)
	}
}

func (f *signInForm) onCancel(ctx app.Context, e app.Event) {
	if f.IonCancel != nil {
		f.IonCancel(ctx)
	}
}

// device is one signed-in session of the user, as POST /api/devices
// lists it.
type device struct {
	ID      string `json:"id"`
	Browser string `json:"browser"`
	Addr    string `json:"addr"`
	Used    int64  `json:"used"` // Unix ms, to within an hour
	Current bool   `json:"current"`
}

// devicesReply is the answer of POST /api/devices.
type devicesReply struct {
	Devices []device `json:"devices"`
	Error   string   `json:"error"`
}

// accountPanel sets or changes the password, lists the signed-in devices
// (each can be signed out, or all but this one) and signs out. The list
// of devices is its own: it asks the server for it when it opens, and
// again after signing one out; it signs out itself, and has the Session
// forget what this browser kept.
type accountPanel struct {
	app.Compo

	Ilang        Lang
	Ime          string
	IhasPassword bool
	Isso         string // the single sign-on provider; "" when off
	Ilinked      bool   // the account is linked to it
	InoPasswords bool   // signing in with a password is off: no password to set
	IonClose     func(ctx app.Context)
	Isession     *client.Session           // sets the password; signing out forgets what it kept
	IonNotice    func(app.Context, string) // shows what failed ("": clears it)

	ctx         app.Context // the panel's own, from OnMount: its buttons may be gone when an answer comes
	devices     []device    // the signed-in devices
	devicesNote string      // loading, or why the list is missing
	devicesDone string      // what the last sign-out of a device did
}

// OnMount asks for the signed-in devices.
func (p *accountPanel) OnMount(ctx app.Context) {
	p.ctx = ctx
	if app.IsClient {
		p.loadDevices()
	}
}

// loadDevices asks the server for the signed-in devices.
func (p *accountPanel) loadDevices() {
	ctx := p.ctx
	p.devicesNote = T(p.Ilang, "devices.loading")
	ctx.Async(func() {
		var reply devicesReply
		status, err := postJSONInto("/api/devices", map[string]string{}, &reply)
		ctx.Dispatch(func(ctx app.Context) {
			switch {
			case err != nil || status != 200:
				p.devices, p.devicesNote = nil, T(p.Ilang, "devices.failed")
			default:
				p.devices, p.devicesNote = reply.Devices, ""
			}
		})
	})
}

// signOutDevices ends the sessions body names (one device, or all but
// this browser's), then lists again.
func (p *accountPanel) signOutDevices(body map[string]any) {
	ctx := p.ctx
	ctx.Async(func() {
		status, reply, err := postJSON("/api/devices/signout", body)
		ctx.Dispatch(func(ctx app.Context) {
			switch {
			case err != nil:
				p.devicesDone = err.Error()
			case status != 204:
				p.devicesDone = reply.Error
			default:
				p.devicesDone = T(p.Ilang, "devices.signedout")
			}
			p.loadDevices()
		})
	})
}

func (p *accountPanel) Lang(l Lang) *accountPanel        { p.Ilang = l; return p }
func (p *accountPanel) Me(name string) *accountPanel     { p.Ime = name; return p }
func (p *accountPanel) HasPassword(v bool) *accountPanel { p.IhasPassword = v; return p }

// SSO names the single sign-on provider ("" when off), says whether the
// account is linked to it and whether passwords are off (the password form
// then hides).
func (p *accountPanel) SSO(provider string, linked, noPasswords bool) *accountPanel {
	p.Isso, p.Ilinked, p.InoPasswords = provider, linked, noPasswords
	return p
}
func (p *accountPanel) OnClose(h func(app.Context)) *accountPanel {
	p.IonClose = h
	return p
}
func (p *accountPanel) Session(v *client.Session) *accountPanel { p.Isession = v; return p }
func (p *accountPanel) OnNotice(h func(app.Context, string)) *accountPanel {
	p.IonNotice = h
	return p
}

func (p *accountPanel) Render() app.UI {
	title, hint := "password.set", "password.hint"
	if p.IhasPassword {
		title, hint = "password.change", "password.has"
	}
	return app.Div().ID("account-panel").Class("account-panel").Role("dialog").Aria("label", T(p.Ilang, "account.title")).Body(
		app.H2().Text(T(p.Ilang, "account.title")+" · "+p.Ime),
		app.If(!p.InoPasswords, func() app.UI {
			return app.Form().ID("password-form").OnSubmit(p.onSubmit).Body(
				app.H3().Text(T(p.Ilang, title)),
				app.P().Class("hint").Text(T(p.Ilang, hint, p.Ime)),
				app.If(p.IhasPassword, func() app.UI {
					return app.Div().Body(
						app.Label().For("password-old").Text(T(p.Ilang, "password.old")),
						app.Input().ID("password-old").Type("password").Attr("autocomplete", "current-password"),
					)
				}),
				app.Label().For("password-new").Text(T(p.Ilang, "password.new")),
				app.Input().ID("password-new").Type("password").Attr("autocomplete", "new-password").Attr("minlength", chat.MinPasswordRunes),
				app.Button().ID("password-submit").Type("submit").Text(T(p.Ilang, "password.save")),
			)
		}),
		app.If(p.Isso != "", p.renderSSO),
		p.renderDevices(),
		newNotificationsPanel().Lang(p.Ilang), // push.go
		app.Div().Class("row").Body(
			app.Button().ID("signout").Type("button").Text(T(p.Ilang, "account.signout")).OnClick(p.onSignOut),
			renderExport(p.Ilang), // export.go
			app.Button().ID("account-close").Type("button").Class("link").Text(T(p.Ilang, "btn.dismiss")).OnClick(p.onClose),
		),
		app.P().Class("hint").Text(T(p.Ilang, "account.signout.hint")),
		newTokensPanel().Lang(p.Ilang), // tokens.go; last, so its loading moves nothing above
	)
}

// renderSSO says whether the account is linked to single sign-on, or
// offers to link it.
func (p *accountPanel) renderSSO() app.UI {
	if p.Ilinked {
		return app.Section().ID("sso").Body(
			app.H3().Text(T(p.Ilang, "sso.title")),
			app.P().ID("sso-linked").Class("hint").Text(T(p.Ilang, "sso.linked", p.Isso)),
		)
	}
	return app.Section().ID("sso").Body(
		app.H3().Text(T(p.Ilang, "sso.title")),
		app.P().Class("hint").Text(T(p.Ilang, "sso.link.hint", p.Isso)),
		app.Button().ID("sso-link").Type("button").Text(T(p.Ilang, "sso.link", p.Isso)).OnClick(startSSO("?link=1")),
	)
}

// renderDevices lists the sessions: browser, address, last use, and a
// Sign out button for each but this one.
func (p *accountPanel) renderDevices() app.UI {
	now := time.Now()
	items := make([]app.UI, 0, len(p.devices))
	others := false
	for _, d := range p.devices {
		used := T(p.Ilang, "devices.this")
		if !d.Current {
			others = true
			used = T(p.Ilang, "devices.used", RelativeTime(p.Ilang, time.UnixMilli(d.Used), now))
		}
		meta := used
		if d.Addr != "" {
			meta = d.Addr + " · " + used
		}
		id := d.ID
		items = append(items, app.Li().Class("device").DataSet("id", id).Body(
			app.Span().Class("device-browser").Text(d.Browser),
			app.Span().Class("device-meta").Text(meta),
			app.If(!d.Current, func() app.UI {
				return app.Button().Type("button").Class("device-signout", "link").
					Aria("label", T(p.Ilang, "devices.signout.one", d.Browser)).
					Text(T(p.Ilang, "devices.signout")).
					OnClick(func(ctx app.Context, e app.Event) {
						p.signOutDevices(map[string]any{"id": id})
					}, app.EventScope(id))
			}),
		))
	}
	return app.Section().ID("devices").Body(
		app.H3().Text(T(p.Ilang, "devices.title")),
		app.If(p.devicesNote != "", func() app.UI { return app.P().Class("hint").Text(p.devicesNote) }),
		app.P().ID("devices-status").Class("hint").Role("status").Text(p.devicesDone),
		app.Ul().ID("device-list").Body(items...),
		app.If(others, func() app.UI {
			return app.Button().ID("devices-signout-others").Type("button").
				Text(T(p.Ilang, "devices.signout.others")).OnClick(p.onOthers)
		}),
	)
}

func (p *accountPanel) onOthers(ctx app.Context, e app.Event) {
	p.signOutDevices(map[string]any{"others": true})
}

func (p *accountPanel) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	f := &chat.SetPassword{Old: inputValue("password-old"), New: inputValue("password-new")}
	if err := f.Validate(); err != nil {
		p.IonNotice(ctx, errorText(p.Ilang, err))
		return
	}
	sendFrame(ctx, p.Isession, p.IonNotice, p.Ilang, f) // the server's Account frame says it is saved
	clearInput("password-old")
	clearInput("password-new")
}

// onSignOut ends the session and forgets everything this browser kept, for
// the next person at a shared computer.
func (p *accountPanel) onSignOut(app.Context, app.Event) {
	ctx := p.ctx // the panel's own: the answer comes after the click
	ctx.Async(func() {
		status, _, err := postJSON("/api/signout", map[string]string{})
		if err == nil && status == 204 {
			forgetThumbs() // offline_files.go
		}
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil || status != 204 {
				if p.IonNotice != nil {
					p.IonNotice(ctx, T(p.Ilang, "account.signout.failed"))
				}
				return
			}
			forget := func(err error) {
				if err != nil {
					app.Log("chat:", err) // signed out all the same: the page reloads
				}
				forgetLocalData()
				ctx.Reload()
			}
			if p.Isession == nil {
				forget(nil)
				return
			}
			p.Isession.Forget(forget) // the saved conversations and the outbox
		})
	})
}

func (p *accountPanel) onClose(ctx app.Context, e app.Event) {
	if p.IonClose != nil {
		p.IonClose(ctx)
	}
}

// inputValue reads the value of the input with id, "" when there is none.
func inputValue(id string) string {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		return el.Get("value").String()
	}
	return ""
}

// nameGate is what a person without a name sees: the name form, or the
// sign-in form for a name that has a password. It owns which of the two
// shows and whether a sign-in is under way; a name picked goes to the
// server through the Session, a sign-in through /api/signin, after which
// the owner starts again as that user (OnSignedIn).
type nameGate struct {
	app.Compo

	Ilang        Lang
	IreleaseDays int
	Isso         string // the single sign-on provider; "" when off
	InoPasswords bool   // signing in with a password is off
	Isession     *client.Session
	IonNotice    func(app.Context, string) // shows what failed ("": clears it)
	IonSignedIn  func(app.Context)

	signingIn bool // the sign-in form shows
	busy      bool // a sign-in is under way
}

func newNameGate() *nameGate { return &nameGate{} }

func (g *nameGate) Lang(v Lang) *nameGate       { g.Ilang = v; return g }
func (g *nameGate) ReleaseDays(v int) *nameGate { g.IreleaseDays = v; return g }
func (g *nameGate) SSO(provider string, noPasswords bool) *nameGate {
	g.Isso, g.InoPasswords = provider, noPasswords
	return g
}
func (g *nameGate) Session(v *client.Session) *nameGate      { g.Isession = v; return g }
func (g *nameGate) OnSignedIn(h func(app.Context)) *nameGate { g.IonSignedIn = h; return g }
func (g *nameGate) OnNotice(h func(app.Context, string)) *nameGate {
	g.IonNotice = h
	return g
}

func (g *nameGate) Render() app.UI {
	if g.signingIn {
		return (&signInForm{}).Lang(g.Ilang).Busy(g.busy).OnSignIn(g.onSignIn).OnCancel(g.onCancel)
	}
	return (&nameForm{}).Lang(g.Ilang).ReleaseDays(g.IreleaseDays).SSO(g.Isso, g.InoPasswords).OnPick(g.onPick).OnSignIn(g.onSignInMode)
}

func (g *nameGate) notify(ctx app.Context, text string) {
	if g.IonNotice != nil {
		g.IonNotice(ctx, text)
	}
}

// onPick asks the server for the name, once it is one the server takes.
func (g *nameGate) onPick(ctx app.Context, name string) {
	if _, err := chat.CleanName(name); err != nil {
		g.notify(ctx, errorText(g.Ilang, err))
		return
	}
	sendFrame(ctx, g.Isession, g.IonNotice, g.Ilang, &chat.Nick{Name: name})
}

// onSignInMode switches to signing in with a password.
func (g *nameGate) onSignInMode(ctx app.Context, e app.Event) {
	g.signingIn = true
	g.notify(ctx, "")
}

func (g *nameGate) onCancel(ctx app.Context) {
	g.signingIn = false
	g.notify(ctx, "")
}

// onSignIn asks the server for a session of name; on success this browser
// starts again as that user.
func (g *nameGate) onSignIn(ctx app.Context, name, password string) {
	g.busy = true
	g.notify(ctx, "")
	ctx.Async(func() {
		status, reply, err := postJSON("/api/signin", map[string]string{"name": name, "password": password})
		ctx.Dispatch(func(ctx app.Context) {
			g.busy = false
			switch {
			case err != nil:
				g.notify(ctx, err.Error())
			case status != 200:
				g.notify(ctx, reply.Error)
			default:
				g.signingIn = false
				if g.IonSignedIn != nil {
					g.IonSignedIn(ctx)
				}
			}
		})
	})
}

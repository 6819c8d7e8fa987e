package ui

import (
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// The account, as the user sees it: signing in to a name that has a
// password (signInForm, shown instead of the name form), and the account
// panel (accountPanel: set a password, sign out). The Shell opens and
// closes the panel and does what the forms ask, at the end of this file.

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
	IonPassword  func(ctx app.Context, old, password string) bool
	IonClose     func(ctx app.Context)
	Isession     *client.Session           // signing out forgets what it kept
	IonNotice    func(app.Context, string) // shows what failed

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
func (p *accountPanel) OnClose(h func(app.Context)) *accountPanel {
	p.IonClose = h
	return p
}
func (p *accountPanel) Session(v *client.Session) *accountPanel { p.Isession = v; return p }
func (p *accountPanel) OnNotice(h func(app.Context, string)) *accountPanel {
	p.IonNotice = h
	return p
}
func (p *accountPanel) OnPassword(h func(app.Context, string, string) bool) *accountPanel {
	p.IonPassword = h
	return p
}

func (p *accountPanel) Render() app.UI {
	title, hint := "password.set", "password.hint"
	if p.IhasPassword {
		title, hint = "password.change", "password.has"
	}
	return app.Div().ID("account-panel").Class("account-panel").Role("dialog").Aria("label", T(p.Ilang, "account.title")).Body(
		app.H2().Text(T(p.Ilang, "account.title")+" · "+p.Ime),
		app.Form().ID("password-form").OnSubmit(p.onSubmit).Body(
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
		),
		p.renderDevices(),
		newNotificationsPanel().Lang(p.Ilang), // push.go
		app.Div().Class("row").Body(
			app.Button().ID("signout").Type("button").Text(T(p.Ilang, "account.signout")).OnClick(p.onSignOut),
			app.Button().ID("account-close").Type("button").Class("link").Text(T(p.Ilang, "btn.dismiss")).OnClick(p.onClose),
		),
		app.P().Class("hint").Text(T(p.Ilang, "account.signout.hint")),
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
	if p.IonPassword != nil && p.IonPassword(ctx, inputValue("password-old"), inputValue("password-new")) {
		clearInput("password-old")
		clearInput("password-new")
	}
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

// What the Shell does for the account forms and panel.

// onSignInMode switches the name form to signing in with a password.
func (s *Shell) onSignInMode(ctx app.Context, e app.Event) {
	s.signingIn, s.notice = true, ""
	s.rev++
}

func (s *Shell) onSignInCancel(ctx app.Context) {
	s.signingIn, s.notice = false, ""
	s.rev++
}

// onSignIn asks the server for a session of name; on success this browser
// reconnects as that user.
func (s *Shell) onSignIn(ctx app.Context, name, password string) {
	s.busy, s.notice = true, ""
	s.rev++
	ctx.Async(func() {
		status, reply, err := postJSON("/api/signin", map[string]string{"name": name, "password": password})
		ctx.Dispatch(func(ctx app.Context) {
			s.busy = false
			s.rev++
			switch {
			case err != nil:
				s.notice = err.Error()
			case status != 200:
				s.notice = reply.Error
			default:
				s.signingIn = false
				s.model = client.NewModel()
				s.model.Visible = pageVisible()
				if s.session != nil {
					s.session.SetModel(s.model)
				}
				if s.conn != nil {
					s.conn.Reconnect() // the new cookie makes the new user
				}
			}
		})
	})
}

// onSetPassword checks a new password and sends it; it reports whether it
// went out (so the form may clear).
func (s *Shell) onSetPassword(ctx app.Context, old, password string) bool {
	f := &chat.SetPassword{Old: old, New: password}
	if err := f.Validate(); err != nil {
		s.notice = err.(*chat.Error).Message
		s.rev++
		return false
	}
	s.notice, s.info = "", ""
	s.send(ctx, f)
	return true
}

func (s *Shell) onAccount(ctx app.Context, e app.Event) {
	s.account = !s.account
	s.rev++
	if s.account {
		s.afterRender(ctx, func() { focusFirst("account-panel") }) // keyboard users land in the panel
	}
}

func (s *Shell) onAccountClose(ctx app.Context) {
	s.account = false
	s.rev++
}

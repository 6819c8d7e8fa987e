package ui

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Web Push in the interface (docs/push.md):
//
//   - notificationsPanel, in the account panel: "Notify me on this device"
//     (the browser's permission is asked on that click only), the devices
//     notified, each removable, "Show message text in notifications", and
//     do-not-disturb for a time or daily hours.
//   - pushLevelPicker, in a conversation's header: All, Mentions and
//     private (the default), Nothing.
//   - quietNote, in the top bar: "Notifications paused until 08:00"
//     while do-not-disturb holds. It also reads the settings from the
//     server into Model.Push, when the page starts and after each Welcome;
//     desktop notifications (notify.go) follow them too.
//
// The settings are the server's: a component that changes them posts the
// whole of them (chat.PushSettingsPath), and then pushAction with the new
// client.Push, which the others hear.

// pushAction tells the components the settings changed; its value is a
// client.Push.
const pushAction = "chat.push"

// quietLoc is the zone do-not-disturb is computed in on this page: the
// browser's (a WebAssembly program's time.Local is the browser's offset).
var quietLoc = time.Local

// pushHeld reports whether a desktop notification of conversation conv is
// held at now by the settings in m: during do-not-disturb, or when the
// conversation is set to Nothing.
func pushHeld(m *client.Model, conv string, now time.Time) bool {
	if !m.Push.Loaded || m.Push.Off {
		return false
	}
	_, quiet := client.QuietUntil(m.Push.Settings.Quiet, now, quietLoc)
	return quiet || m.Push.Level(conv) == chat.PushNothing
}

// quietText says until when do-not-disturb holds, as "08:00", "tomorrow
// 08:00" or a date.
func quietText(l Lang, end, now time.Time) string {
	end, now = end.In(quietLoc), now.In(quietLoc)
	clock := end.Format("15:04")
	y, m, d := now.Date()
	switch ey, em, ed := end.Date(); {
	case ey == y && em == m && ed == d:
		return clock
	case end.Sub(time.Date(y, m, d, 0, 0, 0, 0, quietLoc)) < 48*time.Hour:
		return T(l, "push.tomorrow", clock)
	}
	return end.Format("2006-01-02 15:04")
}

// The HTTP side.

// errPushOff is the answer of a server that sends no pushes (404).
var errPushOff = errors.New("push is off")

// apiStatusError is a refusal of the server, with its words.
type apiStatusError struct {
	status int
	text   string
}

func (e *apiStatusError) Error() string {
	if e.text != "" {
		return e.text
	}
	return "HTTP " + strconv.Itoa(e.status)
}

// pushAPI asks the server for method path with body (JSON, or nil), and
// decodes a 200 answer into out (or nil). A 404 is errPushOff; another
// failing status is an *apiStatusError. It blocks: call it from
// Context.Async.
func pushAPI(method, path string, body, out any) error {
	opts := map[string]any{"method": method, "credentials": "same-origin"}
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		opts["headers"] = map[string]any{"Content-Type": "application/json"}
		opts["body"] = string(data)
	}
	resp, err := await(app.Window().Call("fetch", path, opts))
	if err != nil {
		return errors.New("the server cannot be reached: " + err.Error())
	}
	status := resp.Get("status").Int()
	textv, err := await(resp.Call("text"))
	if err != nil {
		return err
	}
	text := textv.String()
	switch {
	case status == 404:
		return errPushOff
	case status >= 300:
		var r apiReply
		json.Unmarshal([]byte(text), &r)
		return &apiStatusError{status: status, text: r.Error}
	case out != nil && status == 200:
		return json.Unmarshal([]byte(text), out)
	}
	return nil
}

// await waits for the JavaScript promise p and returns its value, or why
// it was rejected. It blocks: call it from Context.Async, never on the
// page's event loop.
func await(p app.Value) (app.Value, error) { return awaitFor(p, 0) }

// errNoAnswer is a promise that did not settle in time.
var errNoAnswer = errors.New("no answer")

// awaitFor is await giving up after d (0: never).
func awaitFor(p app.Value, d time.Duration) (app.Value, error) {
	type result struct {
		v   app.Value
		err error
	}
	done := make(chan result, 1)
	ok := app.FuncOf(func(_ app.Value, args []app.Value) any {
		var v app.Value
		if len(args) > 0 {
			v = args[0]
		}
		done <- result{v: v}
		return nil
	})
	fail := app.FuncOf(func(_ app.Value, args []app.Value) any {
		msg := "failed"
		if len(args) > 0 && args[0].Truthy() {
			msg = args[0].Call("toString").String()
		}
		done <- result{err: errors.New(msg)}
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	p.Call("then", ok, fail)
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case r := <-done:
		return r.v, r.err
	case <-timeout:
		return nil, errNoAnswer
	}
}

// serviceWait bounds the wait for the service worker and the push
// service: a browser without one may never answer.
const serviceWait = 10 * time.Second

// pushSaves counts the saves of the settings begun on this page (on the
// UI goroutine): a read that began before the latest save may answer
// after it, and must not put back what it replaced.
var pushSaves uint64

// savePush posts settings p to the server and, once kept, posts
// pushAction; done gets what failed (nil when kept), on the UI goroutine.
func savePush(ctx app.Context, p chat.PushSettings, done func(app.Context, error)) {
	pushSaves++
	ctx.Async(func() {
		err := pushAPI("POST", chat.PushSettingsPath, p, nil)
		ctx.Dispatch(func(ctx app.Context) {
			if err == nil {
				post(ctx, pushAction, client.Push{Loaded: true, Settings: p})
			}
			done(ctx, err)
		})
	})
}

// pushErrorText says in the user's language why a push request failed.
func pushErrorText(l Lang, err error) string {
	if errors.Is(err, errPushOff) {
		return T(l, "push.server.off")
	}
	return T(l, "push.failed", err.Error())
}

// quietNote is the top bar's note while do-not-disturb holds. It reads
// the settings into the model it is given when it mounts and after each
// Welcome, and keeps the model's copy of them when a component changes
// them (pushAction).
type quietNote struct {
	app.Compo

	Ilang  Lang
	Imodel *client.Model

	now time.Time // of the last render's check
}

func newQuietNote() *quietNote { return &quietNote{} }

func (n *quietNote) Lang(v Lang) *quietNote           { n.Ilang = v; return n }
func (n *quietNote) Model(m *client.Model) *quietNote { n.Imodel = m; return n }

// OnMount reads the settings, and listens for their changes.
func (n *quietNote) OnMount(ctx app.Context) {
	ctx.Handle(pushAction, n.onPush)
	ctx.Handle(eventAction, n.onEvent)
	if app.IsClient {
		n.load(ctx)
		n.tick(ctx)
	}
}

// tick renders again every half minute, so that the note goes when
// do-not-disturb ends.
func (n *quietNote) tick(ctx app.Context) {
	ctx.After(30*time.Second, func(ctx app.Context) {
		n.now = time.Now()
		n.tick(ctx)
	})
}

func (n *quietNote) onEvent(ctx app.Context, a app.Action) {
	if w, ok := eventFrame(a).(*chat.Welcome); ok && !w.NeedName && app.IsClient {
		n.load(ctx)
	}
}

// load reads the settings from the server into the model.
func (n *quietNote) load(ctx app.Context) {
	if n.Imodel == nil || n.Imodel.Me == "" {
		return
	}
	saves := pushSaves
	ctx.Async(func() {
		var p chat.PushSettings
		err := pushAPI("GET", chat.PushSettingsPath, nil, &p)
		ctx.Dispatch(func(ctx app.Context) {
			switch {
			case saves != pushSaves:
				// saved meanwhile: what this read says is older
			case errors.Is(err, errPushOff):
				post(ctx, pushAction, client.Push{Loaded: true, Off: true})
			case err != nil:
				app.Log("chat: reading the notification settings:", err) // the defaults hold meanwhile; the next Welcome reads them again
			default:
				post(ctx, pushAction, client.Push{Loaded: true, Settings: p})
			}
		})
	})
}

func (n *quietNote) onPush(ctx app.Context, a app.Action) {
	if p, ok := a.Value.(client.Push); ok && n.Imodel != nil {
		n.Imodel.Push = p
	}
}

func (n *quietNote) Render() app.UI {
	var end time.Time
	quiet := false
	now := time.Now()
	if m := n.Imodel; m != nil && m.Me != "" && m.Push.Loaded && !m.Push.Off {
		end, quiet = client.QuietUntil(m.Push.Settings.Quiet, now, quietLoc)
	}
	return app.Span().ID("quiet-note").Class("quiet-note").Body(
		app.If(quiet, func() app.UI { return app.Text(T(n.Ilang, "push.note", quietText(n.Ilang, end, now))) }),
	)
}

// pushLevelPicker is a conversation's push level, in its header.
type pushLevelPicker struct {
	app.Compo

	Ilang  Lang
	Imodel *client.Model
	Iconv  string

	err string // why the last change was not kept
}

func newPushLevel() *pushLevelPicker { return &pushLevelPicker{} }

func (p *pushLevelPicker) Lang(v Lang) *pushLevelPicker           { p.Ilang = v; return p }
func (p *pushLevelPicker) Model(m *client.Model) *pushLevelPicker { p.Imodel = m; return p }
func (p *pushLevelPicker) Conv(id string) *pushLevelPicker        { p.Iconv = id; return p }

// OnMount listens for changes of the settings (to render them).
func (p *pushLevelPicker) OnMount(ctx app.Context) {
	ctx.Handle(pushAction, func(ctx app.Context, a app.Action) {
		if v, ok := a.Value.(client.Push); ok && p.Imodel != nil {
			p.Imodel.Push = v // as quietNote does: whichever hears it first renders it
		}
	})
}

func (p *pushLevelPicker) onChange(ctx app.Context, e app.Event) {
	m, conv := p.Imodel, p.Iconv
	l := chat.PushLevel(ctx.JSSrc().Get("value").String())
	p.err = ""
	savePush(ctx, m.Push.SetLevel(conv, l), func(ctx app.Context, err error) {
		if err != nil {
			p.err = pushErrorText(p.Ilang, err)
		}
	})
}

func (p *pushLevelPicker) Render() app.UI {
	m := p.Imodel
	if m == nil || !m.Push.Loaded || m.Push.Off || p.Iconv == "" {
		return app.Span().Class("push-level", "hidden")
	}
	cur := m.Push.Level(p.Iconv)
	opts := make([]app.UI, 0, 3)
	for _, l := range []chat.PushLevel{chat.PushAll, chat.PushMentions, chat.PushNothing} {
		opts = append(opts, app.Option().Value(string(l)).Selected(l == cur).Text(T(p.Ilang, "push.level."+string(l))))
	}
	return app.Span().Class("push-level").Body(
		app.Label().For("push-level").Text(T(p.Ilang, "push.level")),
		app.Select().ID("push-level").DataSet("conv", p.Iconv).OnChange(p.onChange, app.EventScope(p.Iconv)).Body(opts...),
		app.If(p.err != "", func() app.UI { return app.Span().Class("push-level-error").Role("alert").Text(p.err) }),
	)
}

// notificationsPanel is Account → Notifications.
type notificationsPanel struct {
	app.Compo

	Ilang Lang

	ctx      app.Context // the panel's own, from OnMount
	loaded   bool        // the server answered
	off      bool        // the server sends no pushes
	settings chat.PushSettings
	devices  []chat.PushDevice
	status   string // what the last action did, or why it failed
	busy     bool   // a subscription is under way
}

func newNotificationsPanel() *notificationsPanel { return &notificationsPanel{} }

func (p *notificationsPanel) Lang(v Lang) *notificationsPanel { p.Ilang = v; return p }

// OnMount reads the settings and the devices notified.
func (p *notificationsPanel) OnMount(ctx app.Context) {
	p.ctx = ctx
	ctx.Handle(pushAction, p.onPush)
	if app.IsClient {
		p.load()
	}
}

func (p *notificationsPanel) onPush(ctx app.Context, a app.Action) {
	if v, ok := a.Value.(client.Push); ok && v.Loaded {
		p.loaded, p.off, p.settings = true, v.Off, v.Settings
	}
}

// load reads the settings and the devices.
func (p *notificationsPanel) load() {
	ctx := p.ctx
	saves := pushSaves
	ctx.Async(func() {
		var s chat.PushSettings
		var d chat.PushDevices
		err := pushAPI("GET", chat.PushSettingsPath, nil, &s)
		if err == nil {
			err = pushAPI("GET", chat.PushSubscriptionPath, nil, &d)
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.loaded = true
			switch {
			case errors.Is(err, errPushOff):
				p.off = true
			case err != nil:
				p.status = pushErrorText(p.Ilang, err)
			case saves != pushSaves:
				p.devices = d.Devices // the settings were saved meanwhile: this read is older
			default:
				p.settings, p.devices = s, d.Devices
			}
		})
	})
}

// save keeps s at the server. The panel shows s at once (a change made
// before the answer builds on it); when the server refuses, the panel
// says why and reads the settings again.
func (p *notificationsPanel) save(s chat.PushSettings) {
	p.settings = s
	savePush(p.ctx, s, func(ctx app.Context, err error) {
		if err != nil {
			p.status = pushErrorText(p.Ilang, err)
			p.load()
			return
		}
		p.status = T(p.Ilang, "push.quiet.saved")
	})
}

// onSubscribe asks the browser's permission (in the click's own task:
// browsers ask only after a user's action), then subscribes with the
// server's key and hands the subscription to the server.
func (p *notificationsPanel) onSubscribe(ctx app.Context, e app.Event) {
	if p.busy {
		return
	}
	w := app.Window()
	nav := w.Get("navigator")
	switch {
	case !w.Get("isSecureContext").Bool():
		p.status = T(p.Ilang, "push.insecure")
		return
	case !nav.Get("serviceWorker").Truthy() || !w.Get("PushManager").Truthy() || !w.Get("Notification").Truthy():
		p.status = T(p.Ilang, "push.unsupported")
		return
	}
	asked := w.Get("Notification").Call("requestPermission")
	p.busy, p.status = true, T(p.Ilang, "push.subscribing")
	pctx := p.ctx
	pctx.Async(func() {
		status := p.subscribe(asked)
		pctx.Dispatch(func(ctx app.Context) {
			p.busy, p.status = false, status
			p.load()
		})
	})
}

// subscribe does the work of onSubscribe off the UI goroutine and returns
// what to tell the user.
func (p *notificationsPanel) subscribe(asked app.Value) string {
	l := p.Ilang
	perm, err := await(asked)
	if err != nil || perm.String() != "granted" {
		return T(l, "push.denied")
	}
	var key chat.PushKey
	if err := pushAPI("GET", chat.PushKeyPath, nil, &key); err != nil {
		return pushErrorText(l, err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(key.Key, "="))
	if err != nil {
		return T(l, "push.failed", err.Error())
	}
	w := app.Window()
	reg, err := awaitFor(w.Get("navigator").Get("serviceWorker").Get("ready"), serviceWait)
	if err != nil {
		app.Log("chat: push: the service worker:", err)
		return T(l, "push.no.service", err.Error())
	}
	appKey := w.Get("Uint8Array").New(len(raw))
	app.CopyBytesToJS(appKey, raw)
	sub, err := awaitFor(reg.Get("pushManager").Call("subscribe", map[string]any{"userVisibleOnly": true, "applicationServerKey": appKey}), serviceWait)
	if err != nil {
		app.Log("chat: push: subscribing:", err)
		return T(l, "push.no.service", err.Error())
	}
	var body chat.PushSubscription
	if err := json.Unmarshal([]byte(w.Get("JSON").Call("stringify", sub).String()), &body); err != nil {
		return T(l, "push.failed", err.Error())
	}
	if err := pushAPI("POST", chat.PushSubscriptionPath, body, nil); err != nil {
		return pushErrorText(l, err)
	}
	return T(l, "push.subscribed")
}

// remove stops the pushes to device d: this browser's subscription, or
// another session's.
func (p *notificationsPanel) remove(d chat.PushDevice) {
	ctx := p.ctx
	path := chat.PushSubscriptionPath
	if !d.Current {
		path += "?id=" + url.QueryEscape(d.ID)
	}
	ctx.Async(func() {
		err := pushAPI("DELETE", path, nil, nil)
		if err == nil && d.Current {
			unsubscribeHere()
		}
		ctx.Dispatch(func(ctx app.Context) {
			switch {
			case err != nil:
				p.status = pushErrorText(p.Ilang, err)
			case d.Current:
				p.status = T(p.Ilang, "push.unsubscribed")
			default:
				p.status = T(p.Ilang, "push.removed")
			}
			p.load()
		})
	})
}

// unsubscribeHere ends this browser's subscription at its push service,
// when it has one; the server forgot it already. It blocks.
func unsubscribeHere() {
	sw := app.Window().Get("navigator").Get("serviceWorker")
	if !sw.Truthy() {
		return
	}
	reg, err := await(sw.Get("ready"))
	if err != nil || !reg.Get("pushManager").Truthy() {
		return
	}
	if sub, err := await(reg.Get("pushManager").Call("getSubscription")); err == nil && sub.Truthy() {
		await(sub.Call("unsubscribe"))
	}
}

func (p *notificationsPanel) onHideText(ctx app.Context, e app.Event) {
	s := p.settings
	s.HideText = !ctx.JSSrc().Get("checked").Bool()
	p.save(s)
}

// quietFor sets do-not-disturb until end, keeping the daily hours.
func (p *notificationsPanel) quietFor(end time.Time) {
	s := p.settings
	s.Quiet.Until = end.UnixMilli()
	if s.Quiet.Zone == "" {
		s.Quiet.Zone = browserZone()
	}
	p.save(s)
}

func (p *notificationsPanel) onQuietHour(ctx app.Context, e app.Event) {
	p.quietFor(time.Now().Add(time.Hour))
}

func (p *notificationsPanel) onQuietMorning(ctx app.Context, e app.Event) {
	now := time.Now().In(quietLoc)
	y, m, d := now.Date()
	p.quietFor(time.Date(y, m, d+1, 8, 0, 0, 0, quietLoc))
}

func (p *notificationsPanel) onQuietResume(ctx app.Context, e app.Event) {
	s := p.settings
	s.Quiet.Until = 0
	p.save(s)
}

// onQuietHours keeps the daily hours (or none, without "Every day").
func (p *notificationsPanel) onQuietHours(ctx app.Context, e app.Event) {
	e.PreventDefault()
	s := p.settings
	s.Quiet.From, s.Quiet.To = 0, 0
	if el := app.Window().GetElementByID("quiet-daily"); el.Truthy() && el.Get("checked").Bool() {
		s.Quiet.From, s.Quiet.To = clockMinutes(inputValue("quiet-from")), clockMinutes(inputValue("quiet-to"))
	}
	s.Quiet.Zone = browserZone()
	p.save(s)
}

// clockMinutes reads "HH:MM" as minutes of the day; 0 when it is not.
func clockMinutes(v string) int {
	t, err := time.Parse("15:04", v)
	if err != nil {
		return 0
	}
	return t.Hour()*60 + t.Minute()
}

// minutesClock writes minutes of the day as "HH:MM".
func minutesClock(m int) string {
	return time.Date(2000, 1, 1, m/60, m%60, 0, 0, time.UTC).Format("15:04")
}

// browserZone is the browser's time zone (an IANA name), or "" (UTC).
func browserZone() string {
	if !app.IsClient {
		return ""
	}
	intl := app.Window().Get("Intl")
	if !intl.Truthy() {
		return ""
	}
	z := intl.Get("DateTimeFormat").Invoke().Call("resolvedOptions").Get("timeZone")
	if !z.Truthy() {
		return ""
	}
	return z.String()
}

func (p *notificationsPanel) Render() app.UI {
	l := p.Ilang
	body := []app.UI{
		// A disclosure, closed at first: the account panel stays short.
		app.Summary().ID("push-summary").Body(app.H3().Text(T(l, "push.title"))),
		app.P().Class("hint").Text(T(l, "push.hint")),
	}
	switch {
	case !p.loaded:
		body = append(body, app.P().Class("hint").Text(T(l, "push.loading")))
	case p.off:
		body = append(body, app.P().ID("push-off").Class("hint").Text(T(l, "push.server.off")))
	default:
		body = append(body, p.renderDevices(), p.renderText(), p.renderQuiet())
	}
	body = append(body, app.P().ID("push-status").Class("hint").Role("status").Text(p.status))
	return app.Details().ID("notifications").Body(body...)
}

// renderDevices is the subscribe button and the devices notified.
func (p *notificationsPanel) renderDevices() app.UI {
	l := p.Ilang
	here := false
	items := make([]app.UI, 0, len(p.devices))
	for _, d := range p.devices {
		d := d
		here = here || d.Current
		meta := T(l, "push.device.since", time.UnixMilli(d.Created).In(quietLoc).Format("2006-01-02"))
		if d.Current {
			meta = T(l, "push.device.this") + " · " + meta
		}
		items = append(items, app.Li().Class("push-device").DataSet("id", d.ID).Body(
			app.Span().Class("device-browser").Text(d.Browser),
			app.Span().Class("device-meta").Text(meta),
			app.Button().Type("button").Class("push-remove", "link").
				Aria("label", T(l, "push.device.remove.sr", d.Browser)).Text(T(l, "push.device.remove")).
				OnClick(func(ctx app.Context, e app.Event) { p.remove(d) }, app.EventScope(d.ID)),
		))
	}
	return app.Div().Class("push-devices").Body(
		app.If(!here, func() app.UI {
			return app.Button().ID("push-subscribe").Type("button").Disabled(p.busy).
				Text(T(l, "push.subscribe")).OnClick(p.onSubscribe)
		}),
		app.H4().Text(T(l, "push.devices")),
		app.If(len(items) == 0, func() app.UI { return app.P().Class("hint").Text(T(l, "push.devices.none")) }),
		app.Ul().ID("push-devices").Body(items...),
	)
}

// renderText is "Show message text in notifications".
func (p *notificationsPanel) renderText() app.UI {
	l := p.Ilang
	return app.Div().Class("push-text").Body(
		app.Label().Class("switch").Body(
			app.Input().ID("push-text").Type("checkbox").Checked(!p.settings.HideText).
				Aria("describedby", "push-text-hint").OnChange(p.onHideText),
			app.Text(" "+T(l, "push.text")),
		),
		app.P().ID("push-text-hint").Class("hint").Text(T(l, "push.text.hint")),
	)
}

// renderQuiet is do-not-disturb: for a time, or daily hours.
func (p *notificationsPanel) renderQuiet() app.UI {
	l := p.Ilang
	q := p.settings.Quiet
	now := time.Now()
	state := T(l, "push.quiet.off")
	if end, on := client.QuietUntil(q, now, quietLoc); on {
		state = T(l, "push.quiet.until", quietText(l, end, now))
	}
	daily := q.From != q.To
	from, to := "22:00", "08:00"
	if daily {
		from, to = minutesClock(q.From), minutesClock(q.To)
	}
	zone := q.Zone
	if zone == "" || !daily {
		zone = browserZone()
	}
	return app.Div().ID("quiet").Class("push-quiet").Body(
		app.H4().Text(T(l, "push.quiet.title")),
		app.P().ID("quiet-state").Text(state),
		app.Div().Class("row").Body(
			app.Button().ID("quiet-hour").Type("button").Text(T(l, "push.quiet.hour")).OnClick(p.onQuietHour),
			app.Button().ID("quiet-morning").Type("button").Text(T(l, "push.quiet.morning")).OnClick(p.onQuietMorning),
			app.If(q.Until > now.UnixMilli(), func() app.UI {
				return app.Button().ID("quiet-resume").Type("button").Text(T(l, "push.quiet.resume")).OnClick(p.onQuietResume)
			}),
		),
		app.Form().ID("quiet-hours").OnSubmit(p.onQuietHours).Body(
			app.Label().Class("switch").Body(
				app.Input().ID("quiet-daily").Type("checkbox").Checked(daily),
				app.Text(" "+T(l, "push.quiet.daily")),
			),
			app.Label().For("quiet-from").Text(T(l, "push.quiet.from")),
			app.Input().ID("quiet-from").Type("time").Value(from),
			app.Label().For("quiet-to").Text(T(l, "push.quiet.to")),
			app.Input().ID("quiet-to").Type("time").Value(to),
			app.Button().ID("quiet-save").Type("submit").Text(T(l, "push.quiet.save")),
			app.If(zone != "", func() app.UI { return app.P().Class("hint").Text(T(l, "push.quiet.zone", zone)) }),
		),
	)
}

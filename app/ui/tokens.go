package ui

import (
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// tokensPanel is the Account panel's section of personal access tokens
// (docs/api.md), folded until opened: it lists the person's tokens with their scopes and last
// use, makes one (named, scoped) and shows it once, and revokes one. It
// talks to /api/tokens itself, with the browser's session.
type tokensPanel struct {
	app.Compo

	Ilang Lang

	ctx    app.Context
	tokens []accessToken
	note   string // loading, or why the list is missing
	status string // what the last action did
	fresh  string // the token just made, shown this once
	sure   bool   // "Revoke all" was pressed once: the next press revokes
}

// accessToken is a token as /api/tokens lists it (auth.AccessToken).
type accessToken struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Scopes  []string `json:"scopes"`
	Created int64    `json:"created"`
	Used    int64    `json:"used"`
}

func newTokensPanel() *tokensPanel { return &tokensPanel{} }

func (p *tokensPanel) Lang(l Lang) *tokensPanel { p.Ilang = l; return p }

// OnMount asks for the tokens.
func (p *tokensPanel) OnMount(ctx app.Context) {
	p.ctx = ctx
	if app.IsClient {
		p.load()
	}
}

func (p *tokensPanel) load() {
	ctx := p.ctx
	p.note = T(p.Ilang, "tokens.loading")
	ctx.Async(func() {
		var reply struct {
			Tokens []accessToken `json:"tokens"`
		}
		status, err := requestJSONInto("GET", "/api/tokens", nil, &reply)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil || status != 200 {
				p.tokens, p.note = nil, T(p.Ilang, "tokens.failed")
				return
			}
			p.tokens, p.note = reply.Tokens, ""
		})
	})
}

func (p *tokensPanel) Render() app.UI {
	now := time.Now()
	items := make([]app.UI, 0, len(p.tokens))
	for _, t := range p.tokens {
		used := T(p.Ilang, "tokens.unused")
		if t.Used > 0 {
			used = T(p.Ilang, "tokens.used", RelativeTime(p.Ilang, time.UnixMilli(t.Used), now))
		}
		id, name := t.ID, t.Name
		items = append(items, app.Li().Class("token").DataSet("id", id).Body(
			app.Span().Class("token-name").Text(name),
			app.Span().Class("token-meta").Text(strings.Join(t.Scopes, ", ")+" · "+used),
			app.Button().Type("button").Class("token-revoke", "link").
				Aria("label", T(p.Ilang, "tokens.revoke.one", name)).Text(T(p.Ilang, "tokens.revoke")).
				OnClick(func(ctx app.Context, e app.Event) { p.revoke("/api/tokens/"+id, "tokens.revoked") }, app.EventScope(id)),
		))
	}
	scope := func(s string, checked bool) app.UI {
		return app.Label().Class("token-scope").Body(
			app.Input().ID("token-scope-"+s).Type("checkbox").Checked(checked), app.Text(" "+s),
		)
	}
	// Folded until asked for: most people never need a token, and the
	// Account panel stays small.
	return app.Details().ID("tokens").Body(
		app.Summary().ID("tokens-summary").Text(T(p.Ilang, "tokens.title")),
		app.P().Class("hint").Text(T(p.Ilang, "tokens.hint")),
		app.If(p.note != "", func() app.UI { return app.P().Class("hint").Text(p.note) }),
		app.P().ID("tokens-status").Class("hint").Role("status").Text(p.status),
		app.If(p.fresh != "", func() app.UI {
			return app.Div().ID("token-fresh").Body(
				app.Label().For("token-value").Text(T(p.Ilang, "tokens.fresh")),
				app.Input().ID("token-value").Type("text").ReadOnly(true).Value(p.fresh),
			)
		}),
		app.Ul().ID("token-list").Body(items...),
		app.If(len(p.tokens) > 1, func() app.UI {
			label := "tokens.revoke.all"
			if p.sure {
				label = "tokens.revoke.all.sure"
			}
			return app.Button().ID("token-revoke-all").Type("button").Class("link").Text(T(p.Ilang, label)).OnClick(p.onRevokeAll)
		}),
		app.Form().ID("token-form").OnSubmit(p.onCreate).Body(
			app.Label().For("token-name").Text(T(p.Ilang, "tokens.name")),
			app.Input().ID("token-name").Type("text").MaxLength(64),
			app.Div().Class("row").Body(scope("read", true), scope("write", false), scope("files", false)),
			app.Button().ID("token-create").Type("submit").Text(T(p.Ilang, "tokens.create")),
		),
	)
}

func (p *tokensPanel) onCreate(ctx app.Context, e app.Event) {
	e.PreventDefault()
	var scopes []string
	for _, s := range []string{"read", "write", "files"} {
		if el := app.Window().GetElementByID("token-scope-" + s); el.Truthy() && el.Get("checked").Bool() {
			scopes = append(scopes, s)
		}
	}
	body := map[string]any{"name": inputValue("token-name"), "scopes": scopes}
	ctx.Async(func() {
		var reply struct {
			Token string `json:"token"`
			Error string `json:"error"`
		}
		status, err := requestJSONInto("POST", "/api/tokens", body, &reply)
		ctx.Dispatch(func(ctx app.Context) {
			switch {
			case err != nil:
				p.status = err.Error()
			case status != 201:
				p.status = reply.Error
			default:
				p.fresh, p.status = reply.Token, T(p.Ilang, "tokens.made")
				clearInput("token-name")
				p.load()
			}
		})
	})
}

// onRevokeAll revokes every token of the person on the second press
// (DELETE /api/tokens), which also closes their websockets on every node.
func (p *tokensPanel) onRevokeAll(ctx app.Context, e app.Event) {
	if !p.sure {
		p.sure = true
		return
	}
	p.sure = false
	p.revoke("/api/tokens", "tokens.revoked.all")
}

// revoke sends DELETE to path, saying done (a text's key) when it worked.
func (p *tokensPanel) revoke(path, done string) {
	ctx := p.ctx
	ctx.Async(func() {
		var reply struct {
			Error string `json:"error"`
		}
		status, err := requestJSONInto("DELETE", path, nil, &reply)
		ctx.Dispatch(func(ctx app.Context) {
			switch {
			case err != nil:
				p.status = err.Error()
			case status != 204:
				p.status = reply.Error
			default:
				p.status = T(p.Ilang, done)
			}
			p.load()
		})
	})
}

// tokensText holds the panel's strings; init adds them to text.
var tokensText = []phrase{
	{"tokens.title", "Access tokens", "访问令牌"},
	{"tokens.hint", "For scripts and bots using the HTTP API (docs/api.md). A token acts as you, within its scopes.", "供使用 HTTP API 的脚本和机器人使用（docs/api.md）。令牌在其权限范围内代表你操作。"},
	{"tokens.loading", "Loading the tokens…", "正在加载令牌…"},
	{"tokens.failed", "The tokens could not be loaded.", "无法加载令牌。"},
	{"tokens.unused", "never used", "从未使用"},
	{"tokens.used", "used %s", "%s使用过"},
	{"tokens.revoke", "Revoke", "撤销"},
	{"tokens.revoke.one", "Revoke the token %s", "撤销令牌 %s"},
	{"tokens.revoked", "The token is revoked.", "令牌已撤销。"},
	{"tokens.revoke.all", "Revoke all tokens", "撤销所有令牌"},
	{"tokens.revoke.all.sure", "Press again to revoke every token", "再按一次以撤销所有令牌"},
	{"tokens.revoked.all", "Every token is revoked.", "所有令牌均已撤销。"},
	{"tokens.name", "Name of a new token", "新令牌的名称"},
	{"tokens.create", "Make a token", "生成令牌"},
	{"tokens.made", "Copy the token now: it is not shown again.", "请立即复制令牌：它不会再次显示。"},
	{"tokens.fresh", "Your new token", "你的新令牌"},
}

func init() { addText(tokensText) }

package server

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/auth"
)

// TestOpenAPIDescribesEveryRoute: the routes under /api/v1 and the paths
// of openapi.json are the same, method by method, and each route that
// takes a token names its scope in the document (x-scope).
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]struct {
			Scope    string `json:"x-scope"`
			Security *[]any `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented[strings.ToUpper(method)+" "+path] = op.Scope
		}
	}
	var missing []string
	for _, rt := range (&Server{}).apiRoutes() {
		key := rt.method + " " + rt.path
		scope, ok := documented[key]
		switch {
		case !ok:
			missing = append(missing, key)
		case scope != rt.scope:
			t.Errorf("%s: the document says scope %q, the route needs %q", key, scope, rt.scope)
		}
		delete(documented, key)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("routes the document does not describe: %v", missing)
	}
	if len(documented) > 0 {
		t.Errorf("routes documented that do not exist: %v", documented)
	}
}

// TestOpenAPISchemasMatchTheTypes: each schema of openapi.json names
// only fields that the Go type it stands for has (in JSON); a request's
// schema names every field of its type, which the server decodes refusing
// any other. Every $ref of the document leads to a schema, a response or
// a security scheme it has, and every {param} of a path is a required path
// parameter of each of its operations.
func TestOpenAPISchemasMatchTheTypes(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name     string `json:"name"`
				In       string `json:"in"`
				Required bool   `json:"required"`
			} `json:"parameters"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
		Components map[string]map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	types := map[string]struct {
		v       any
		request bool // decoded with DisallowUnknownFields: all its fields documented
	}{
		"Error": {apiErrorBody{}, false}, "Token": {auth.AccessToken{}, false}, "Me": {meReply{}, false},
		"Conversation": {chat.ConvInfo{}, false}, "Conversations": {conversationsReply{}, false},
		"Entry": {chat.Entry{}, false}, "Page": {chat.Page{}, false}, "Ack": {ackReply{}, false},
		"Roster": {chat.Roster{}, false}, "Joined": {joinReply{}, false}, "Upload": {uploadReply{}, false},
		"Results": {chat.Results{}, false}, "Bot": {botReply{}, false}, "Webhook": {webhookReply{}, false},
		"Webhooks": {webhooksReply{}, false}, "OutgoingHook": {auth.OutgoingHook{}, false},
		"OutgoingHooks": {outgoingList{}, false}, "Hook": {hookRequest{}, false},
		"Post": {postRequest{}, true}, "Edit": {editRequest{}, true}, "React": {reactRequest{}, true},
		"BotRequest": {botRequest{}, true}, "WebhookRequest": {webhookRequest{}, true},
		"OutgoingRequest": {outgoingBody{}, true},
	}
	for name, schema := range doc.Components["schemas"] {
		ty, ok := types[name]
		if !ok {
			t.Errorf("schema %s: no Go type named for it in this test", name)
			continue
		}
		fields := jsonFields(reflect.TypeOf(ty.v))
		for p := range schema.Properties {
			if !fields[p] {
				t.Errorf("schema %s has %q, which %T has not", name, p, ty.v)
			}
		}
		if ty.request {
			for f := range fields {
				if _, ok := schema.Properties[f]; !ok {
					t.Errorf("schema %s lacks %q, which the server takes (%T)", name, f, ty.v)
				}
			}
		}
	}
	refs := regexp.MustCompile(`"\$ref":\s*"#/components/(\w+)/(\w+)"`).FindAllSubmatch(openAPI, -1)
	if len(refs) < 20 {
		t.Errorf("only %d $refs found", len(refs))
	}
	for _, m := range refs {
		if _, ok := doc.Components[string(m[1])][string(m[2])]; !ok {
			t.Errorf("$ref %s leads nowhere", m[0])
		}
	}
	param := regexp.MustCompile(`\{(\w+)\}`)
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if len(op.Responses) == 0 {
				t.Errorf("%s %s: no responses", method, path)
			}
			for _, m := range param.FindAllStringSubmatch(path, -1) {
				found := false
				for _, p := range op.Parameters {
					found = found || p.Name == m[1] && p.In == "path" && p.Required
				}
				if !found {
					t.Errorf("%s %s: {%s} is no required path parameter", method, path, m[1])
				}
			}
		}
	}
}

// jsonFields are the names encoding/json gives the fields of struct type
// t (or of what it points to), embedded structs' fields as its own.
func jsonFields(t reflect.Type) map[string]bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := map[string]bool{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported() && !f.Anonymous:
		case f.Anonymous && name == "":
			for k := range jsonFields(f.Type) {
				out[k] = true
			}
		case name == "":
			out[f.Name] = true
		default:
			out[name] = true
		}
	}
	return out
}

// TestDocsShowEveryRoute: docs/api.md has a curl example of every route
// of the API, with its method, and none of a route that does not exist.
func TestDocsShowEveryRoute(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	// A curl command, its continued lines joined; its method is -X's, else
	// POST when it sends data, else GET; its path is what follows /api/v1.
	text := strings.ReplaceAll(string(doc), "\\\n", " ")
	curl := regexp.MustCompile(`(?m)^curl .*$`)
	method := regexp.MustCompile(`-X (\w+)`)
	data := regexp.MustCompile(`(^| )(-d|--data[\w-]*|-F) `)
	path := regexp.MustCompile(APIPrefix + `(/[^?\s"']*)`)
	var examples []string
	for _, cmd := range curl.FindAllString(text, -1) {
		m := "GET"
		if x := method.FindStringSubmatch(cmd); x != nil {
			m = x[1]
		} else if data.MatchString(cmd) {
			m = "POST"
		}
		for _, p := range path.FindAllStringSubmatch(cmd, -1) {
			examples = append(examples, m+" "+p[1])
		}
	}
	param := regexp.MustCompile(`\{\w+\}`)
	shown := make([]bool, len(examples))
	for _, rt := range (&Server{}).apiRoutes() {
		parts := param.Split(rt.path, -1)
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		re := regexp.MustCompile("^" + rt.method + " " + strings.Join(parts, `[^/]+`) + "$")
		found := false
		for i, ex := range examples {
			if re.MatchString(ex) {
				found, shown[i] = true, true
			}
		}
		if !found {
			t.Errorf("docs/api.md has no curl example of %s %s", rt.method, rt.path)
		}
	}
	for i, ex := range examples {
		if !shown[i] {
			t.Errorf("docs/api.md shows %s, which is no route", ex)
		}
	}
	if len(examples) < 20 {
		t.Errorf("found only %d examples in docs/api.md: %v", len(examples), examples)
	}
}

// TestTriggers: a slash command or a word sets a hook off at the start of
// a message, with what follows as its arguments; "@" on a mention of the
// hook's bot anywhere.
func TestTriggers(t *testing.T) {
	t.Parallel()
	cmd := auth.OutgoingHook{Trigger: "/deploy", Name: "shipit"}
	mention := auth.OutgoingHook{Trigger: "@", Name: "Shipit"}
	for _, c := range []struct {
		h    auth.OutgoingHook
		text string
		ok   bool
		args string
	}{
		{cmd, "/deploy web 1.4", true, "web 1.4"},
		{cmd, "/DEPLOY", true, ""},
		{cmd, "please /deploy", false, ""},
		{cmd, "/deployment", false, ""},
		{mention, "hey @shipit, status?", true, "hey @shipit, status?"},
		{mention, "shipit is down", false, ""},
		{mention, "@shipitnow", false, ""},
	} {
		args, ok := triggers(c.h, c.text)
		if ok != c.ok || args != c.args {
			t.Errorf("%q with %q: %v %q", c.h.Trigger, c.text, ok, args)
		}
	}
}

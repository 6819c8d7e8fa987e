package server

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

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

package server

import (
	"encoding/json"
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

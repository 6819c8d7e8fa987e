package server

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
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

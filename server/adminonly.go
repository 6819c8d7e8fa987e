package server

import (
	"net/http"
	"slices"

	"github.com/founding/chat/app/chat"
)

// adminOnly serves h to the server's admins only (Options.Admins, with a
// password, as for making a bot): 401 to a visitor, 403 to anyone else,
// both as the API's JSON errors. The admin console's helper has its own,
// which takes this one's place.
func (s *Server) adminOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := s.visit(w, r)
		switch {
		case err != nil:
			apiError(w, s.internal("reading a session", err))
		case v.User.Key == "":
			apiError(w, chat.Errorf(chat.CodeUnauthorized, "sign in first"))
		case !v.User.HasPassword || !slices.Contains(adminKeys(s.opts.Admins), v.User.Key):
			apiError(w, chat.Errorf(chat.CodeForbidden, "only the server's admins may"))
		default:
			h.ServeHTTP(w, r)
		}
	})
}

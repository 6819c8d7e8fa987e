package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/founding/chat/app/chat"

	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/store/memory"
	"github.com/founding/chat/server/store/storetest"
)

func TestAccounts(t *testing.T) {
	storetest.TestRecords(t, memory.NewRecords())
}

// claim picks name in a new browser, as the websocket and the handover
// endpoint do, and returns the session token the browser ends with.
func claim(ctx context.Context, a *auth.Accounts, name string) (auth.User, string, error) {
	v, err := a.Visit(ctx, "", auth.Client{})
	if err != nil {
		return auth.User{}, "", err
	}
	u, code, err := a.Claim(ctx, v.Token, name)
	if err != nil {
		return auth.User{}, "", err
	}
	token, _, err := a.Exchange(ctx, code, auth.Client{Addr: "127.0.0.1"})
	return u, token, err
}

// claimWithPassword makes the account name with a password.
func claimWithPassword(t *testing.T, a *auth.Accounts, name, password string) {
	t.Helper()
	ctx := context.Background()
	u, _, err := claim(ctx, a, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetPassword(ctx, u.Key, "", password); err != nil {
		t.Fatal(err)
	}
}

func TestWrongPasswordsAreSlowedDown(t *testing.T) {
	ctx := context.Background()
	a := auth.NewAccounts(memory.NewRecords())
	claimWithPassword(t, a, "bob", "right password")
	guesser := auth.Client{Addr: "127.0.0.2"}
	var tooMany *auth.TooManyAttempts
	for i := 0; i < 10; i++ {
		_, _, err := a.SignIn(ctx, "bob", "wrong password", guesser)
		if errors.As(err, &tooMany) {
			break
		}
		if !errors.Is(err, auth.ErrWrongPassword) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if tooMany == nil || tooMany.RetryAfter <= 0 {
		t.Fatalf("ten wrong passwords were not slowed down: %v", tooMany)
	}
	// From the guesser's address even the right password waits: it
	// learns nothing.
	if _, _, err := a.SignIn(ctx, "bob", "right password", guesser); !errors.As(err, &tooMany) {
		t.Fatalf("the right password from the guessing address: %v", err)
	}
}

// TestGuessersCannotLockTheOwnerOut: wrong passwords from other addresses,
// however many and however long, never refuse the owner's right password
// from an address or a device the account signed in from before.
func TestGuessersCannotLockTheOwnerOut(t *testing.T) {
	ctx := context.Background()
	a := auth.NewAccounts(memory.NewRecords())
	claimWithPassword(t, a, "ann", "ann's own words")
	home := auth.Client{Addr: "127.0.0.1", Device: auth.NewToken()}
	if _, _, err := a.SignIn(ctx, "ann", "ann's own words", home); err != nil {
		t.Fatalf("first sign-in: %v", err)
	}
	// Guessers on many addresses exhaust every budget they can.
	refused := 0
	for i := 2; i < 40; i++ {
		for range 8 {
			_, _, err := a.SignIn(ctx, "ann", "guess", auth.Client{Addr: fmt.Sprintf("127.0.0.%d", i)})
			var tooMany *auth.TooManyAttempts
			if errors.As(err, &tooMany) {
				refused++
			} else if !errors.Is(err, auth.ErrWrongPassword) {
				t.Fatal(err)
			}
		}
	}
	if refused == 0 {
		t.Fatal("the guessers were never slowed down")
	}
	// The owner at home: the known address.
	if _, _, err := a.SignIn(ctx, "ann", "ann's own words", auth.Client{Addr: home.Addr}); err != nil {
		t.Errorf("the owner's known address was refused: %v", err)
	}
	// The owner's known device on a new network.
	if _, _, err := a.SignIn(ctx, "ann", "ann's own words", auth.Client{Addr: "127.0.0.200", Device: home.Device}); err != nil {
		t.Errorf("the owner's known device was refused: %v", err)
	}
	// The owner's known device even at a guessing address.
	if _, _, err := a.SignIn(ctx, "ann", "ann's own words", auth.Client{Addr: "127.0.0.5", Device: home.Device}); err != nil {
		t.Errorf("the owner's known device at a guessing address was refused: %v", err)
	}
	// An unknown place is refused while the name is under attack.
	var tooMany *auth.TooManyAttempts
	if _, _, err := a.SignIn(ctx, "ann", "ann's own words", auth.Client{Addr: "127.0.0.201"}); !errors.As(err, &tooMany) {
		t.Errorf("an unknown address during a distributed guess: %v, want TooManyAttempts", err)
	}
}

// TestEveryFailedSignInChecksAPassword: a name with no account, one with
// no password and a wrong password all fail the same way, after exactly
// one password hash each (the work that takes the time), so their timing
// tells nothing.
func TestEveryFailedSignInChecksAPassword(t *testing.T) {
	ctx := context.Background()
	a := auth.NewAccounts(memory.NewRecords())
	claimWithPassword(t, a, "pat", "pat's words!")
	if _, _, err := claim(ctx, a, "nopass"); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"pat", "nopass", "nobody-at-all"} {
		before := auth.PasswordChecks()
		_, _, err := a.SignIn(ctx, name, "not it at all", auth.Client{Addr: "127.0.0." + strconv.Itoa(10+i)})
		if !errors.Is(err, auth.ErrWrongPassword) {
			t.Fatalf("%s: %v", name, err)
		}
		if n := auth.PasswordChecks() - before; n != 1 {
			t.Errorf("a failed sign-in for %s hashed %d passwords, want 1", name, n)
		}
	}
}

func TestLookAlikeNamesAreRefused(t *testing.T) {
	ctx := context.Background()
	a := auth.NewAccounts(memory.NewRecords())
	for _, held := range []string{"Ann12", "Alex", "小明"} {
		if _, _, err := claim(ctx, a, held); err != nil {
			t.Fatalf("claim %s: %v", held, err)
		}
	}
	for _, tt := range []struct {
		name string
		want error
	}{
		{"annl2", auth.ErrLooksTaken},
		{"AIex", auth.ErrLooksTaken},
		{"Ann12\u0336", auth.ErrLooksTaken}, // a strike-through over the 2
		{"Ann12\u0300", auth.ErrLooksTaken},
		{"A\u0323nn12", auth.ErrLooksTaken},
		{"ANN12", auth.ErrNameTaken},
		{"Ａｌｅｘ", auth.ErrNameTaken},
		{"小明", auth.ErrNameTaken},
	} {
		if _, _, err := claim(ctx, a, tt.name); !errors.Is(err, tt.want) {
			t.Errorf("Claim(%q) = %v, want %v", tt.name, err, tt.want)
		}
	}
	for _, bad := range []string{"\u0410lex", "Ann.", "-bob"} {
		var ce *chat.Error
		if _, _, err := claim(ctx, a, bad); !errors.As(err, &ce) || ce.Code != chat.CodeBadName {
			t.Errorf("Claim(%q) = %v, want bad_name", bad, err)
		}
	}
	for _, fine := range []string{"Ann13", "Alexa", "小红", "José", "がく", "かく", "कुमार", "कमार"} {
		if _, _, err := claim(ctx, a, fine); err != nil {
			t.Errorf("Claim(%q) = %v", fine, err)
		}
	}
}

// TestSkeletonsOfOlderAccountsAreRecordedAtSignIn: an account made before
// skeletons were kept gets its look recorded when its session is used.
func TestSkeletonsOfOlderAccountsAreRecordedAtSignIn(t *testing.T) {
	ctx := context.Background()
	rec := memory.NewRecords()
	a := auth.NewAccounts(rec)
	_, token, err := claim(ctx, a, "Bob")
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Delete(ctx, auth.SkeletonsBucket, "bob"); err != nil { // as before skeletons
		t.Fatal(err)
	}
	a = auth.NewAccounts(rec) // a restart
	if _, err := a.Lookup(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, _, err := claim(ctx, a, "B0b"); !errors.Is(err, auth.ErrLooksTaken) {
		t.Errorf("Claim(B0b) after Bob's sign-in = %v, want ErrLooksTaken", err)
	}
}

func TestPasswordHashes(t *testing.T) {
	h := auth.HashPassword("pässwörd 密码")
	if h == auth.HashPassword("pässwörd 密码") {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, tt := range []struct {
		name, password string
		want           bool
	}{
		{"right", "pässwörd 密码", true},
		{"wrong", "passwörd 密码", false},
		{"empty", "", false},
	} {
		if ok, err := auth.CheckPassword(h, tt.password); err != nil || ok != tt.want {
			t.Errorf("%s: CheckPassword = %v, %v", tt.name, ok, err)
		}
	}
	if _, err := auth.CheckPassword("$argon2id$v=19$m=1,t=1,p=1$nope", "x"); err == nil {
		t.Error("a malformed hash was accepted")
	}
}

package auth

import (
	"context"
	"errors"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/names"
)

// CreateImported makes, once, the account of a person an admin's import
// brings (a Slack export's user), called name, and returns it: no
// password and no session, so nobody signs in as them until an admin sets
// a password (ResetPassword) and passes it on; never released, so that
// nobody who picks the name inherits their conversations. origin names
// them in their source ("slack.U123"): the account of name made for the
// same origin before is returned again, so that an import run twice makes
// one account. A name held by anyone else is ErrNameTaken, one that looks
// like a held name ErrLooksTaken, one against the rules for new names a
// *chat.Error; the import picks another.
func (a *Accounts) CreateImported(ctx context.Context, name, origin string) (User, error) {
	clean, err := chat.CleanName(name)
	if err != nil {
		return User{}, err
	}
	nameKey := names.Key(clean)
	switch u, acc, _, err := a.byName(ctx, nameKey); {
	case err == nil && acc.Imported == origin && !acc.Deleted:
		return u, nil
	case err == nil:
		return User{}, ErrNameTaken
	case !errors.Is(err, ErrNoUser):
		return User{}, err
	}
	if err := chat.CheckNewName(clean); err != nil {
		return User{}, err
	}
	if err := a.createAccount(ctx, nameKey, account{Name: clean, Created: a.now().UnixMilli(), Imported: origin}); err != nil {
		return User{}, err
	}
	return User{Key: nameKey, Name: clean}, nil
}

// createAccount stores acc, the account of a name (nameKey its key) that
// no claim makes (a bot's, an imported person's), holding the name's look
// first: ErrLooksTaken when another account holds it, ErrNameTaken when
// the name is taken meanwhile.
func (a *Accounts) createAccount(ctx context.Context, nameKey string, acc account) error {
	if err := a.holdLook(ctx, names.Skeleton(acc.Name), nameKey, ""); err != nil {
		return err
	}
	if err := a.create(ctx, AccountsBucket, nameKey, acc); errors.Is(err, ErrExists) {
		return ErrNameTaken
	} else if err != nil {
		return err
	}
	a.looks.Store(nameKey, true)
	return nil
}

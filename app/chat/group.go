package chat

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Group conversations on the wire (docs/protocol.md, "Group
// conversations").
//
// A group is a private conversation (KindPrivate) of 3 to the server's
// group limit people, with an id that starts with GroupPrefix. Anyone
// starts one with NewGroup, naming the others and, if they like, the
// group; nobody owns it and it is never listed or joinable by name. A
// member adds people with AddToGroup: each added person sees the
// conversation's history only from the entry that says they were added
// (EntryAdd) on, in pages, resumes and search results alike. A member
// leaves with Leave; their devices get Gone and the others an EntryLeave.
// ConvInfo.Group describes the group: its members and how far each has
// read ("Seen by 2", from Seen frames that name the reader).

// Group frames a client sends.
const (
	TypeNewGroup    Type = "new_group"
	TypeAddToGroup  Type = "add_to_group"
	TypeRenameGroup Type = "rename_group"
)

// EntryAdd says that From added Subject (the added names, HTML-escaped and
// joined by ", ") to a group; the first entry of a group says who started
// it with whom.
const EntryAdd EntryKind = "add"

// EntryRename says that From gave a group the name Subject (HTML-escaped),
// or, when Subject is empty, took its name away: it is then shown by its
// members' names.
const EntryRename EntryKind = "rename"

// Group error codes.
const (
	CodeGroupFull    Code = "group_full"     // the group would have more members than the server's group limit
	CodeGroupTooFew  Code = "group_too_few"  // a new group needs at least two other people
	CodeBadGroupName Code = "bad_group_name" // a group name that is too long or holds control characters
)

// GroupPrefix starts the id of every group conversation.
const GroupPrefix = "g:"

// MaxGroupNameRunes is the longest name a group may be given.
const MaxGroupNameRunes = 64

// MaxGroupNames bounds the names one NewGroup or AddToGroup frame may
// carry, whatever the server's group limit.
const MaxGroupNames = 256

// IsGroup reports whether conversation id is a group conversation.
func IsGroup(id string) bool { return strings.HasPrefix(id, GroupPrefix) }

// NewGroup starts a group conversation of the user and the people named
// With (at least two others). Name is the group's name, or empty: it is
// then shown by its members' names. The server answers with a Conv frame
// to every member.
type NewGroup struct {
	Name string   `json:"name,omitempty"`
	With []string `json:"with"`
}

// AddToGroup adds the people named Names to group Conv, which the user is
// in. They see its history from then on.
type AddToGroup struct {
	Conv  string   `json:"conv"`
	Names []string `json:"names"`
}

// RenameGroup gives group Conv, which the user is in, the name Name, or
// takes its name away when Name is empty (CleanGroupName). Any member may.
type RenameGroup struct {
	Conv string `json:"conv"`
	Name string `json:"name"`
}

// GroupInfo describes a group conversation in a ConvInfo. Members are
// everyone in it, the user too, by name (HTML-escaped), sorted; Named says
// the group was given a name (ConvInfo.Name), rather than being shown by
// its members'. Reads is how far each other member has read it, by name,
// where known.
type GroupInfo struct {
	Members []string          `json:"members"`
	Named   bool              `json:"named,omitempty"`
	Reads   map[string]uint64 `json:"reads,omitempty"`
}

// FrameType implementations.

func (NewGroup) FrameType() Type    { return TypeNewGroup }
func (AddToGroup) FrameType() Type  { return TypeAddToGroup }
func (RenameGroup) FrameType() Type { return TypeRenameGroup }

// Validate checks a RenameGroup: a group id and a name CleanGroupName
// takes.
func (f *RenameGroup) Validate() error {
	if err := convID(TypeRenameGroup, f.Conv); err != nil {
		return err
	}
	if !IsGroup(f.Conv) {
		return withRef(TypeRenameGroup, Errorf(CodeBadRequest, "only group conversations can be renamed"))
	}
	if _, err := CleanGroupName(f.Name); err != nil {
		return withRef(TypeRenameGroup, err)
	}
	return nil
}

// Validate checks a NewGroup: a name that CleanGroupName takes, and at
// least two valid user names.
func (f *NewGroup) Validate() error {
	if _, err := CleanGroupName(f.Name); err != nil {
		return withRef(TypeNewGroup, err)
	}
	if len(f.With) < 2 {
		return withRef(TypeNewGroup, Errorf(CodeGroupTooFew, "a group needs at least two other people; for one, open a private conversation"))
	}
	return groupNames(TypeNewGroup, f.With)
}

// Validate checks an AddToGroup: a group id and at least one valid user
// name.
func (f *AddToGroup) Validate() error {
	if err := convID(TypeAddToGroup, f.Conv); err != nil {
		return err
	}
	if !IsGroup(f.Conv) {
		return withRef(TypeAddToGroup, Errorf(CodeBadRequest, "only group conversations take new members; start a group instead"))
	}
	if len(f.Names) == 0 {
		return withRef(TypeAddToGroup, Errorf(CodeMissingField, "add_to_group frame needs names"))
	}
	return groupNames(TypeAddToGroup, f.Names)
}

func groupNames(t Type, names []string) error {
	if len(names) > MaxGroupNames {
		return withRef(t, Errorf(CodeGroupFull, "%d names; at most %d in one frame", len(names), MaxGroupNames))
	}
	for _, n := range names {
		if err := userName(t, n); err != nil {
			return err
		}
	}
	return nil
}

// CleanGroupName checks a group's name and returns it as it will be shown:
// white space trimmed and runs of it made one space, at most
// MaxGroupNameRunes characters, no control or invisible characters. An
// empty name is no name.
func CleanGroupName(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", Errorf(CodeBadGroupName, "group name is not valid UTF-8")
	}
	s = strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
	if n := utf8.RuneCountInString(s); n > MaxGroupNameRunes {
		return "", Errorf(CodeBadGroupName, "group name has %d characters; at most %d are allowed", n, MaxGroupNameRunes)
	}
	for _, r := range s {
		if !unicode.IsGraphic(r) || unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector, unicode.Cf) {
			return "", Errorf(CodeBadGroupName, "group name may not contain %q", r)
		}
	}
	return s, nil
}

// SortNames sorts names as a group's name lists them: by their lower
// case, then as they are.
func SortNames(names []string) {
	sort.Slice(names, func(i, j int) bool { // one sort for every type (highlight.go)
		if c := strings.Compare(strings.ToLower(names[i]), strings.ToLower(names[j])); c != 0 {
			return c < 0
		}
		return names[i] < names[j]
	})
}

// The group frames join the decoders' table here rather than in frame.go,
// so that this feature lives in one file.
func init() {
	clientFrames[TypeNewGroup] = func() Frame { return &NewGroup{} }
	clientFrames[TypeAddToGroup] = func() Frame { return &AddToGroup{} }
	clientFrames[TypeRenameGroup] = func() Frame { return &RenameGroup{} }
}

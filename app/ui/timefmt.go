package ui

import (
	"fmt"
	"time"
)

var (
	weekdaysZH = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}
)

// sameDay reports whether a and b fall on one calendar day where b is.
func sameDay(a, b time.Time) bool {
	a = a.In(b.Location())
	y1, m1, d1 := a.Date()
	y2, m2, d2 := b.Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}

// daysBetween returns how many calendar days t is before now, in now's
// location (0 for today, 1 for yesterday).
func daysBetween(t, now time.Time) int {
	t = t.In(now.Location())
	a := time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, time.UTC)
	b := time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// Clock shows the time of day of t in now's location, as "15:04".
func Clock(t, now time.Time) string {
	return t.In(now.Location()).Format("15:04")
}

// DayLabel names the day of t for a divider in the conversation: "Today",
// "Yesterday", a weekday within the week, else the date ("Monday, March 2",
// with the year when it is not this year's).
func DayLabel(l Lang, t, now time.Time) string {
	t = t.In(now.Location())
	days := daysBetween(t, now)
	switch {
	case days == 0:
		return T(l, "day.today")
	case days == 1:
		return T(l, "day.yesterday")
	case days > 1 && days < 7 && l == Chinese:
		return weekdaysZH[t.Weekday()]
	case days > 1 && days < 7:
		return t.Weekday().String()
	case l == Chinese && t.Year() == now.Year():
		return fmt.Sprintf("%d月%d日 %s", t.Month(), t.Day(), weekdaysZH[t.Weekday()])
	case l == Chinese:
		return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
	case t.Year() == now.Year():
		return t.Format("Monday, January 2")
	default:
		return t.Format("January 2, 2006")
	}
}

// FullTime shows t completely, for a tooltip: "Thursday, March 5, 2026
// 15:04" or "2026年3月5日 星期四 15:04".
func FullTime(l Lang, t, now time.Time) string {
	t = t.In(now.Location())
	if l == Chinese {
		return fmt.Sprintf("%d年%d月%d日 %s %s", t.Year(), t.Month(), t.Day(), weekdaysZH[t.Weekday()], t.Format("15:04"))
	}
	return t.Format("Monday, January 2, 2006 15:04")
}

// RelativeTime says how long ago t was: "just now", "5 minutes ago",
// "3 hours ago", "yesterday", "4 days ago", then the day itself.
func RelativeTime(l Lang, t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 45*time.Second:
		return T(l, "rel.now")
	case d < 90*time.Second:
		return T(l, "rel.minute")
	case d < 45*time.Minute:
		return T(l, "rel.minutes", int((d+30*time.Second)/time.Minute))
	case d < 90*time.Minute:
		return T(l, "rel.hour")
	case d < 6*time.Hour || d < 24*time.Hour && sameDay(t, now):
		return T(l, "rel.hours", int((d+30*time.Minute)/time.Hour))
	}
	switch days := daysBetween(t, now); {
	case days <= 1:
		return T(l, "rel.yesterday")
	case days < 7:
		return T(l, "rel.days", days)
	default:
		return DayLabel(l, t, now)
	}
}

// TimeTitle is the tooltip of a message's time: the full date and time,
// and how long ago it was within the last week.
func TimeTitle(l Lang, t, now time.Time) string {
	full := FullTime(l, t, now)
	if now.Sub(t) < 7*24*time.Hour {
		return full + " · " + RelativeTime(l, t, now)
	}
	return full
}

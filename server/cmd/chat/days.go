package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// daysFlag is a duration flag that takes days too: "90d", or any
// time.ParseDuration value.
type daysFlag time.Duration

// String implements flag.Value.
func (d *daysFlag) String() string {
	if d == nil || *d == 0 {
		return "0"
	}
	if v := time.Duration(*d); v%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(v/(24*time.Hour)), 10) + "d"
	}
	return time.Duration(*d).String()
}

// Set implements flag.Value.
func (d *daysFlag) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return fmt.Errorf("%q is not a number of days", s)
		}
		*d = daysFlag(time.Duration(days) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is neither days (\"90d\") nor a duration (\"2160h\")", s)
	}
	*d = daysFlag(v)
	return nil
}

package alerts

import "time"

// Envelope is one message for one handler: a group of notifications, and
// the alert keys whose mute-for windows start when it is delivered.
type Envelope struct {
	Handler       string
	Notifications []Notification
	Keys          []KeyMute
}

// KeyMute is an alert key and its rule's mute-for.
type KeyMute struct {
	Key     Key           `json:"key"`
	MuteFor time.Duration `json:"mute_for"`
	// Repost marks a re-post to a resend handler (see Resend): its
	// delivery stamps nothing (no mute-for, no LastNotified), so the
	// other handlers' reminders keep their own pace.
	Repost bool `json:"repost,omitempty"`
}

// Transition is what one run decided for one command.
type Transition struct {
	States  []State // new or changed states
	Removed []Key   // keys to forget
	Out     []Envelope
	// Actions are the remediations due, to be run after the transition is
	// saved (so a crash never runs one twice: it may run one fewer).
	Actions []ActionRequest
	// EndMutes are the until-resolved mutes to end: an alert they cover
	// resolved in this run.
	EndMutes []int64
	// Notes are things worth a line in the log, e.g. rows past
	// MaxFindingsPerHost that were not judged.
	Notes []string
}

// ActionRequest is one remediation to run: Cmd on Key.Host, on behalf of
// the rule Key.Rule, whose handlers are told if it fails.
type ActionRequest struct {
	Key      Key
	Cmd      string
	Handlers []string
	Severity Severity
	Row      string // the row's key, for messages
}

// Mute is an ad-hoc silence: every alert whose command, rule and host match
// (an empty field matches anything) is held back until Until.
type Mute struct {
	ID      int64     `json:"id"`
	Host    string    `json:"host,omitempty"`
	Command string    `json:"command,omitempty"`
	Rule    string    `json:"rule,omitempty"`
	Until   time.Time `json:"until"`
	Reason  string    `json:"reason"`
	Created time.Time `json:"created"`
	// UntilResolved ends the mute, before Until, when an alert it covers
	// resolves (Sensu's expire_on_resolve).
	UntilResolved bool `json:"until_resolved,omitempty"`
}

// Matches reports whether the mute covers key k.
func (m Mute) Matches(k Key) bool {
	return (m.Host == "" || m.Host == k.Host) && (m.Command == "" || m.Command == k.Command) && (m.Rule == "" || m.Rule == k.Rule)
}

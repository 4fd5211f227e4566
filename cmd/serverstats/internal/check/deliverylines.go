package check

import "fmt"

// DeliveryLines says what of the run's deliveries went wrong, for stderr:
// the state file failing (the alerts went out directly), or messages not
// delivered yet. None when all is well.
func (r *Report) DeliveryLines() []string {
	o := r.Delivery
	if r.StateErr != nil {
		return []string{
			fmt.Sprintf("STATE UNAVAILABLE: %v", r.StateErr),
			fmt.Sprintf("alerts were delivered directly, without debounce, mutes or reminders: %d message(s) sent, %d not delivered (lost when this process ends)",
				o.Sent, o.Retrying+o.Rerouted+o.Undeliverable),
		}
	}
	if o.Retrying+o.Rerouted+o.Undeliverable == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%d message(s) not delivered yet (%d will be retried, %d handed to a fallback, %d undeliverable); see serverstats status",
		o.Retrying+o.Rerouted+o.Undeliverable, o.Retrying, o.Rerouted, o.Undeliverable)}
}

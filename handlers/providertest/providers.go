package providertest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Slack is an incoming webhook at path (e.g. /services/T000/B000/XXXX):
// 200 "ok"; 400 "invalid_payload" for a body that is not JSON, "no_text"
// without text; 404 "no_service" on another path. Scripted failures answer
// Slack's words: 403 action_prohibited, 404 no_service, 410
// channel_is_archived, 429 rate_limited, 500 rollup_error.
func Slack(t testing.TB, path string) *Server {
	return start(t, func(s *Server, r Request) (int, string) {
		switch {
		case r.Path != path:
			return http.StatusNotFound, "no_service"
		case r.JSON == nil || !strings.HasPrefix(r.ContentType, "application/json"):
			return http.StatusBadRequest, "invalid_payload"
		case str(r.JSON, "text") == "":
			return http.StatusBadRequest, "no_text"
		}
		return http.StatusOK, "ok"
	}, func(status int) string {
		return map[int]string{400: "invalid_payload", 403: "action_prohibited", 404: "no_service", 410: "channel_is_archived", 429: "rate_limited", 500: "rollup_error"}[status]
	})
}

// Teams is a Power Automate workflow webhook at path, signed by the query
// parameter sig: 202 with no body for a message with an Adaptive Card
// attachment; 400 {"error":{"code":"InvalidRequestContent",...}} for
// another body; 401 DirectApiAuthorizationRequired without the signature.
func Teams(t testing.TB, path, sig string) *Server {
	return start(t, func(s *Server, r Request) (int, string) {
		if r.Query.Get("sig") != sig {
			return http.StatusUnauthorized, teamsError("DirectApiAuthorizationRequired", "The request must be authenticated only by Shared Access scheme.")
		}
		if r.Path != path {
			return http.StatusNotFound, teamsError("TriggerNotFound", "The workflow trigger was not found.")
		}
		var first map[string]any
		if att, _ := r.JSON["attachments"].([]any); len(att) > 0 {
			first, _ = att[0].(map[string]any)
		}
		if str(r.JSON, "type") != "message" || str(first, "contentType") != "application/vnd.microsoft.card.adaptive" || str(first, "content", "type") != "AdaptiveCard" {
			return http.StatusBadRequest, teamsError("InvalidRequestContent", "The input body for trigger 'manual' of type 'Request' did not match its schema definition.")
		}
		return http.StatusAccepted, ""
	}, func(status int) string {
		return teamsError(http.StatusText(status), fmt.Sprintf("scripted failure %d", status))
	})
}

func teamsError(code, msg string) string {
	return jsonText(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// PagerDuty is the Events API v2 at /v2/enqueue for one routing key: 202
// {"status":"success","message":"Event processed","dedup_key":...}; 400
// {"status":"invalid event","message":"Event object is invalid","errors":[...]}
// for a missing or wrong field. It keeps each incident's status by dedup
// key (State): triggered, acknowledged, resolved.
func PagerDuty(t testing.TB, routingKey string) *Server {
	return start(t, func(s *Server, r Request) (int, string) {
		var errs []string
		if r.Path != "/v2/enqueue" {
			return http.StatusNotFound, `{"status":"not found","message":"Not found"}`
		}
		if r.JSON == nil {
			return http.StatusBadRequest, pdInvalid("Event object is invalid", "Request body is not valid JSON")
		}
		if k := str(r.JSON, "routing_key"); k != routingKey {
			errs = append(errs, "Invalid routing key")
		}
		action, dedup := str(r.JSON, "event_action"), str(r.JSON, "dedup_key")
		if !slices.Contains([]string{"trigger", "acknowledge", "resolve"}, action) {
			errs = append(errs, "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')")
		}
		if action != "trigger" && dedup == "" {
			errs = append(errs, "'dedup_key' is missing or blank")
		}
		if action == "trigger" {
			for _, f := range []string{"summary", "source"} {
				if str(r.JSON, "payload", f) == "" {
					errs = append(errs, fmt.Sprintf("'payload.%s' is missing or blank", f))
				}
			}
			if !slices.Contains([]string{"critical", "error", "warning", "info"}, str(r.JSON, "payload", "severity")) {
				errs = append(errs, "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')")
			}
			if len(str(r.JSON, "payload", "summary")) > 1024 {
				errs = append(errs, "'payload.summary' is too long")
			}
		}
		if len(errs) > 0 {
			return http.StatusBadRequest, pdInvalid("Event object is invalid", errs...)
		}
		if dedup == "" {
			dedup = fmt.Sprintf("auto-%d", s.seq)
		}
		s.state[dedup] = map[string]string{"trigger": "triggered", "acknowledge": "acknowledged", "resolve": "resolved"}[action]
		return http.StatusAccepted, jsonText(map[string]string{"status": "success", "message": "Event processed", "dedup_key": dedup})
	}, func(status int) string {
		if status == http.StatusBadRequest {
			return pdInvalid("Event object is invalid", "scripted failure")
		}
		if status == http.StatusTooManyRequests {
			return `{"status":"throttle event","message":"Requests for this service are arriving too quickly. Please retry later."}`
		}
		return fmt.Sprintf(`{"status":"error","message":"scripted failure %d"}`, status)
	})
}

func pdInvalid(msg string, errs ...string) string {
	return jsonText(map[string]any{"status": "invalid event", "message": msg, "errors": errs})
}

// Ntfy is an ntfy server: POST /TOPIC publishes the body, with the Title,
// Priority and Tags headers; 200 {"id":...,"event":"message",...}. With a
// token, a request without "Authorization: Bearer TOKEN" gets 401
// {"code":40101,"http":401,"error":"unauthorized",...}.
func Ntfy(t testing.TB, token string) *Server {
	return start(t, func(s *Server, r Request) (int, string) {
		topic := strings.TrimPrefix(r.Path, "/")
		if token != "" && r.Header.Get("Authorization") != "Bearer "+token {
			return http.StatusUnauthorized, ntfyError(40101, 401, "unauthorized")
		}
		if topic == "" || strings.Contains(topic, "/") {
			return http.StatusNotFound, ntfyError(40401, 404, "page not found")
		}
		p := map[string]string{"min": "1", "low": "2", "default": "3", "high": "4", "urgent": "5", "": "3"}[r.Header.Get("Priority")]
		if p == "" {
			return http.StatusBadRequest, ntfyError(40007, 400, "invalid priority")
		}
		return http.StatusOK, jsonText(map[string]any{"id": fmt.Sprintf("msg%09d", s.seq), "time": 1767225600, "event": "message",
			"topic": topic, "title": r.Header.Get("Title"), "message": string(r.Body), "priority": p, "tags": strings.Split(r.Header.Get("Tags"), ",")})
	}, func(status int) string {
		return ntfyError(status*100+1, status, strings.ToLower(http.StatusText(status)))
	})
}

func ntfyError(code, status int, msg string) string {
	return jsonText(map[string]any{"code": code, "http": status, "error": msg, "link": "https://ntfy.sh/docs/publish/"})
}

// Telegram is the Bot API for one bot token and the chats it may write
// to: POST /bot<TOKEN>/sendMessage with {"chat_id","text"} answers
// {"ok":true,"result":{"message_id":N,...}}; another token 401
// "Unauthorized", another chat 400 "Bad Request: chat not found", an empty
// text 400 "Bad Request: message text is empty"; a scripted 429 says
// "Too Many Requests: retry after 3".
func Telegram(t testing.TB, token string, chats ...string) *Server {
	return start(t, func(s *Server, r Request) (int, string) {
		if r.Path != "/bot"+token+"/sendMessage" {
			if strings.HasSuffix(r.Path, "/sendMessage") {
				return http.StatusUnauthorized, tgError(401, "Unauthorized")
			}
			return http.StatusNotFound, tgError(404, "Not Found")
		}
		chat := fmt.Sprint(r.JSON["chat_id"])
		switch {
		case r.JSON == nil:
			return http.StatusBadRequest, tgError(400, "Bad Request: message text is empty")
		case !slices.Contains(chats, chat):
			return http.StatusBadRequest, tgError(400, "Bad Request: chat not found")
		case str(r.JSON, "text") == "":
			return http.StatusBadRequest, tgError(400, "Bad Request: message text is empty")
		case len([]rune(str(r.JSON, "text"))) > 4096:
			return http.StatusBadRequest, tgError(400, "Bad Request: message is too long")
		}
		return http.StatusOK, jsonText(map[string]any{"ok": true, "result": map[string]any{
			"message_id": 1000 + s.seq, "chat": map[string]any{"id": chat}, "date": 1767225600, "text": str(r.JSON, "text")}})
	}, func(status int) string {
		if status == http.StatusTooManyRequests {
			return jsonText(map[string]any{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 3", "parameters": map[string]int{"retry_after": 3}})
		}
		return tgError(status, http.StatusText(status))
	})
}

func tgError(code int, desc string) string {
	return jsonText(map[string]any{"ok": false, "error_code": code, "description": desc})
}

// Pushover is the Messages API for one application token and user key:
// POST /1/messages.json with a form (token, user, message) answers
// {"status":1,"request":ID}; a bad token 400 {"token":"invalid",
// "errors":["application token is invalid"],"status":0,...}, a bad user
// {"user":"invalid","errors":["user identifier is invalid"],...}.
func Pushover(t testing.TB, token, user string) *Server {
	return start(t, func(s *Server, r Request) (int, string) {
		id := fmt.Sprintf("5042853c-402d-4a18-abcb-%012d", s.seq)
		if r.Path != "/1/messages.json" {
			return http.StatusNotFound, jsonText(map[string]any{"status": 0, "errors": []string{"not found"}, "request": id})
		}
		bad := func(field, msg string) (int, string) {
			return http.StatusBadRequest, jsonText(map[string]any{field: "invalid", "errors": []string{msg}, "status": 0, "request": id})
		}
		switch {
		case r.Form.Get("token") != token:
			return bad("token", "application token is invalid")
		case r.Form.Get("user") != user:
			return bad("user", "user identifier is invalid")
		case r.Form.Get("message") == "":
			return bad("message", "message cannot be blank")
		case len([]rune(r.Form.Get("message"))) > 1024:
			return bad("message", "message is too long")
		case len([]rune(r.Form.Get("title"))) > 250:
			return bad("title", "title is too long")
		}
		return http.StatusOK, jsonText(map[string]any{"status": 1, "request": id})
	}, func(status int) string {
		return jsonText(map[string]any{"status": 0, "errors": []string{fmt.Sprintf("scripted failure %d", status)}, "request": "scripted"})
	})
}

// Login cookie hand-over (st.components.v2, no build step).
//
// A page cannot set an HttpOnly cookie, so after a login it passes a one-time
// hand-off code here; this posts it to the app's own route, whose response sets the
// cookie, then reloads the page so the new websocket carries it. "drop" asks the
// route to delete the cookie after a logout. JavaScript never sees the session id.
//   data = {action: "take", handoff, url, next?}  or  {action: "drop", url}
// "next" (an address in the app) is opened instead of reloading the same one.
export default function (component) {
  const { data, parentElement } = component;
  if (!data || !data.action || parentElement.__ismDone === data.nonce) return;
  parentElement.__ismDone = data.nonce;
  const body = data.action === "take" ? { handoff: data.handoff } : {};
  fetch(data.url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  }).finally(() => {
    if (data.next) window.location.assign(data.next);
    else window.location.reload();
  });
}

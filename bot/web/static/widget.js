/*
 * One-tag embed for a ward portal:
 *   <script src="https://tro-ly.example.gov.vn/widget.js" async></script>
 * Adds a chat button in the corner; the chat runs in a frame served by the assistant, so the portal's
 * page and the chat never share scripts or cookies.
 */
(function () {
  "use strict";
  if (window.__thiduaWidget) return;
  window.__thiduaWidget = true;
  var script = document.currentScript;
  var origin = new URL(script ? script.src : "/", window.location.href).origin;
  var color = (script && script.dataset.color) || "#b3261e";

  var button = document.createElement("button");
  button.type = "button";
  button.setAttribute("aria-label", "Mở trợ lý thi đua đổi mới sáng tạo");
  button.setAttribute("aria-expanded", "false");
  button.textContent = "💬";
  button.style.cssText = "position:fixed;right:16px;bottom:16px;width:56px;height:56px;border-radius:50%;" +
    "border:0;background:" + color + ";color:#fff;font-size:26px;cursor:pointer;z-index:2147483000;" +
    "box-shadow:0 2px 8px rgba(0,0,0,.3)";

  var frame = document.createElement("iframe");
  frame.title = "Trợ lý phong trào thi đua";
  // The chat loads on first opening, not with every page of the portal (each load greets the visitor).
  var src = origin + "/";
  frame.style.cssText = "position:fixed;right:16px;bottom:84px;width:min(380px,calc(100vw - 32px));" +
    "height:min(600px,calc(100vh - 110px));border:0;border-radius:12px;display:none;z-index:2147483000;" +
    "box-shadow:0 4px 16px rgba(0,0,0,.3);background:#fff";

  function toggle(open) {
    if (open && !frame.src) frame.src = src;
    frame.style.display = open ? "block" : "none";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.setAttribute("aria-label", open ? "Đóng trợ lý thi đua" : "Mở trợ lý thi đua đổi mới sáng tạo");
  }
  button.addEventListener("click", function () { toggle(frame.style.display === "none"); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && frame.style.display !== "none") { toggle(false); button.focus(); }
  });
  document.body.appendChild(frame);
  document.body.appendChild(button);
})();

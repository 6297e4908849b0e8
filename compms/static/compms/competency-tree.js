/* "Expand all" / "Collapse all" for a framework's competency tree; without script the tools stay
   hidden and each branch still opens on its own. */
(function () {
  "use strict";
  var tools = document.getElementById("tree-tools"), tree = document.getElementById("competency-tree");
  if (!tools || !tree || !tree.querySelector("details")) { return; }
  tools.hidden = false;
  tools.addEventListener("click", function (event) {
    var mode = event.target.getAttribute("data-tree");
    if (!mode) { return; }
    tree.querySelectorAll("details").forEach(function (node) { node.open = mode === "open"; });
  });
})();

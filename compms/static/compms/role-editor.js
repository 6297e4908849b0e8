/* Progressive help for the role editor: suggest competency codes of the chosen framework as you
   type, and ask before deleting. Every form works without it. The look-up address comes from the
   page (data-lookup-url on the suggestion list), so this file holds no server-made text. */
(function () {
  "use strict";
  var list = document.getElementById("competency-suggestions");
  var lookup = list ? list.getAttribute("data-lookup-url") : null;
  var timer = null;
  if (list && lookup) {
    document.querySelectorAll("input[data-competency-code]").forEach(function (input) {
      input.setAttribute("list", "competency-suggestions");
      input.addEventListener("input", function () {
        var select = input.form.querySelector("select[data-competency-framework]");
        if (!select || input.value.trim().length < 1) { return; }
        clearTimeout(timer);
        timer = setTimeout(function () {
          var url = lookup + "?framework=" + encodeURIComponent(select.value) +
            "&q=" + encodeURIComponent(input.value.trim());
          fetch(url, {credentials: "same-origin"})
            .then(function (response) { return response.ok ? response.json() : {results: []}; })
            .then(function (data) {
              list.replaceChildren.apply(list, data.results.map(function (item) {
                var option = document.createElement("option");
                option.value = item.code;
                option.label = item.code + " " + item.name;
                return option;
              }));
            }).catch(function () {});
        }, 200);
      });
    });
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();

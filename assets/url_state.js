/* The view's state in the URL's query string (see dashboard/query.py and dashboard/shell/choice.py).
 *
 * window.mnistQuery({key: value, ...}) sets (or, for null, undefined and "", removes) query
 * parameters of the current address in place (history.replaceState: no reload, no new history
 * entry), so that the address bar always holds a link that reproduces the view.
 */
(function () {
  "use strict";
  window.mnistQuery = function (values) {
    var url = new URL(window.location.href);
    Object.keys(values).forEach(function (key) {
      var value = values[key];
      if (value === null || value === undefined || value === "") {
        url.searchParams.delete(key);
      } else {
        url.searchParams.set(key, String(value));
      }
    });
    if (url.href !== window.location.href) {
      window.history.replaceState(window.history.state, "", url.href);
    }
  };
})();

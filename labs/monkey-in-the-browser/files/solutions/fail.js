// fail.js (a solution): every third request the page makes fails before it reaches the network,
// the way a dropped connection looks to the page: an "error" event for XMLHttpRequest, a
// rejected promise (TypeError) for fetch. One counter for both.
(function () {
  var EVERY = 3;
  var count = 0;

  var realSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function () {
    count += 1;
    if (count % EVERY !== 0) return realSend.apply(this, arguments);
    console.log('monkey: failing request #' + count + ' (XHR)');
    var xhr = this;
    // Real network errors arrive later, never inside send(): so does this one.
    setTimeout(function () { xhr.dispatchEvent(new ProgressEvent('error')); }, 0);
  };

  var realFetch = window.fetch;
  window.fetch = function () {
    count += 1;
    if (count % EVERY !== 0) return realFetch.apply(window, arguments);
    console.log('monkey: failing request #' + count + ' (fetch)');
    return Promise.reject(new TypeError('Failed to fetch (monkey: request #' + count + ')'));
  };
})();

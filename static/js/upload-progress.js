// Progressive enhancement: show upload progress. Without JavaScript the form posts as usual.
(function () {
  var form = document.querySelector("form[data-upload-progress]");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var bar = form.querySelector(".upload-progress");
  form.addEventListener("submit", function (event) {
    var file = form.querySelector("input[type=file]");
    if (!file || !file.files.length) { return; }
    event.preventDefault();
    bar.value = 0; bar.hidden = false;
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.hidden = false; bar.value = Math.round(100 * e.loaded / e.total); }
    });
    request.addEventListener("load", function () {
      // The server answers with a redirect (success) or the page with its errors.
      if (request.responseURL && request.responseURL !== window.location.href) {
        window.location.href = request.responseURL;
      } else {
        document.open(); document.write(request.responseText); document.close();
      }
    });
    request.addEventListener("error", function () { form.submit(); });
    request.send(new FormData(form));
  });
})();

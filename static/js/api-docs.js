// The API documentation page (integrations/api_docs.html): Swagger UI on our schema.
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || !window.SwaggerUIBundle) return;
  window.SwaggerUIBundle({
    url: node.dataset.schemaUrl,
    domNode: node,
    deepLinking: true,
    persistAuthorization: false,
  });
})();

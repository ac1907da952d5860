// Written by `kb build` (kbbuild/site.py): the operator profiles of the build and the deployment's default.
window.KB_CONFIG = window.KB_CONFIG || {operators: [], defaultOperator: null};

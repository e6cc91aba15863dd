// Kubernetes object parsers; importing this module registers them.
import './manifest';
import './kubectlObjects';
import './kubectlTable';
import './kubectlDescribe';

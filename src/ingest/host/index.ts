// Host network parsers; importing this module registers them.
import './ipLink';
import './ipRoute';
import './ipNeigh';
import './bridgeFdb';
import './subnetEnv';

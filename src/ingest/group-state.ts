// Parser modules of this group register themselves when imported; one import line each.
import './state';
import './clients';

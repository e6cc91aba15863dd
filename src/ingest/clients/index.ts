// What clients say when a request fails: importing this module registers the parsers.
import './httpClient';
import './ping';

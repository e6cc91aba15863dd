/**
 * A copy of `text` that does not keep the string it was cut from alive: V8 makes a slice of a long
 * string a view into it, so a piece of one version of a 50 MB document kept that whole version.
 */
export function ownCopy(text: string): string {
  // joining makes a new string (the copy); the slice of it is a view of the copy only
  return text.length < 16 ? text : (' ' + text).slice(1);
}

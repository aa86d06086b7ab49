/**
 * Cuts the rows of a JSON results page out of the body text without
 * re-serializing them, so each row is stored exactly as the API sent it.
 */

const QUOTE = 34
const BACKSLASH = 92
const COMMA = 44
const COLON = 58
const OPEN_BRACE = 123
const CLOSE_BRACE = 125
const OPEN_BRACKET = 91
const CLOSE_BRACKET = 93

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13

/** Index of the quote that closes the string opening at `start`. */
const stringEnd = (text: string, start: number) => {
  let i = start + 1
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === BACKSLASH) i += 2
    else if (c === QUOTE) return i
    else i++
  }
  return -1
}

const skipSpace = (text: string, i: number) => {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++
  return i
}

/** The raw elements of the array opening at `start`. */
const elements = (text: string, start: number): Array<string> | undefined => {
  const out: Array<string> = []
  let depth = 0
  let from = start + 1
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      i = stringEnd(text, i)
      if (i < 0) return undefined
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++
    } else if (c === CLOSE_BRACE || (c === CLOSE_BRACKET && depth > 0)) {
      depth--
    } else if (depth === 0 && (c === COMMA || c === CLOSE_BRACKET)) {
      const raw = text.slice(from, i).trim()
      if (raw.length > 0) out.push(raw)
      else if (c === COMMA) return undefined
      if (c === CLOSE_BRACKET) return out
      from = i + 1
    }
  }
  return undefined
}

/**
 * The raw text of each element of the top-level `"data"` array, or
 * undefined when the body has no such array (or is cut short).
 */
export const rawDataRows = (body: string): Array<string> | undefined => {
  let depth = 0
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i)
    if (c === QUOTE) {
      const end = stringEnd(body, i)
      if (end < 0) return undefined
      const next = skipSpace(body, end + 1)
      if (depth === 1 && body.charCodeAt(next) === COLON && body.slice(i + 1, end) === "data") {
        const value = skipSpace(body, next + 1)
        return body.charCodeAt(value) === OPEN_BRACKET ? elements(body, value) : undefined
      }
      i = end
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--
    }
  }
  return undefined
}

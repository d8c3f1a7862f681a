/**
 * What a voice should say for a piece of written text: the transcript keeps markdown, links and
 * emoji; the voice does not read out asterisks, URLs or pictographs.
 */
export function toSpeakable(text: string): string {
  return (
    text
      // Links: [label](url) → label; bare URLs and e-mail-like tokens are dropped.
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
      .replace(/\bhttps?:\/\/\S+/gi, '')
      .replace(/\bwww\.\S+/gi, '')
      // Citations of the user's documents ([1], [2, 3]) are for the eye: the transcript links them.
      .replace(/\s?\[\d{1,2}(?:\s*,\s*\d{1,2})*\]/g, '')
      // Inline code keeps its words, not its backticks.
      .replace(/`([^`]*)`/g, '$1')
      // Emphasis, headings, quotes, list bullets, table pipes, HTML tags.
      .replace(/(\*\*|__|~~)(.*?)\1/g, '$2')
      .replace(/(^|[\s(])[*_]([^*_\n]+)[*_](?=[\s).,!?;:]|$)/g, '$1$2')
      .replace(/^\s{0,3}#{1,6}\s+/gm, '')
      .replace(/^\s{0,3}>\s?/gm, '')
      .replace(/^\s*[-*+•]\s+/gm, '')
      .replace(/\|/g, ' ')
      .replace(/<\/?[a-z][^>]*>/gi, '')
      // Pictographs (emoji) and their joiners and variation selectors.
      .replace(/[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u200d\ufe0f\u20e3]/gu, '')
      .replace(/[*_#`~]+/g, '')
      .replace(/\s+/g, ' ')
      .replace(/\s+([.,!?;:…])/g, '$1')
      .trim()
  )
}

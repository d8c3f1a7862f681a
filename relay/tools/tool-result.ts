/**
 * A tool's MCP result as the browser gets it: the content as the server sent it, and its text
 * (what a model is given) — the text parts joined, or the structured content as JSON when a
 * server sent only that.
 */
import type { CallToolResult, CompatibilityCallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { ToolCallResult } from '../contract.ts'

export function toolCallResult(result: CallToolResult | CompatibilityCallToolResult): ToolCallResult {
  // Servers from before protocol 2024-11-05 answer `toolResult` instead of content.
  const content: ToolCallResult['content'] = Array.isArray(result.content)
    ? (result.content as ToolCallResult['content'])
    : 'toolResult' in result
      ? [{ type: 'text', text: typeof result.toolResult === 'string' ? result.toolResult : JSON.stringify(result.toolResult) }]
      : []
  const texts = content.flatMap((c) => (c.type === 'text' && typeof c.text === 'string' ? [c.text] : []))
  const structured = (result as CallToolResult).structuredContent
  const text = texts.length ? texts.join('\n') : structured ? JSON.stringify(structured) : ''
  return { text, isError: result.isError === true, content }
}

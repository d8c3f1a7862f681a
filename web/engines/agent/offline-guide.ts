/**
 * What the offline guide knows: a few topics about Parley itself, matched by keywords.
 * It is deliberately not a chatbot: it says so, and points to connecting a real model.
 */
export interface GuideTopic {
  id: string
  keywords: RegExp
  answer: string
}

const CONNECT = [
  'To talk with a real language model, give the relay an OpenAI-compatible endpoint and restart it:',
  '',
  '• LLM_BASE_URL — e.g. https://api.openai.com/v1, or a local Ollama at http://127.0.0.1:11434/v1',
  '• LLM_API_KEY — the key for that service (it stays on the relay, never in your browser)',
  '• LLM_MODEL — the model to use, e.g. gpt-4o-mini or llama3.2',
  '',
  'Put them in a .env file next to package.json (see .env.example) and run npm start again. The badge at the top will then show the model’s name instead of “Offline guide”.',
].join('\n')

export const GUIDE_TOPICS: readonly GuideTopic[] = [
  {
    id: 'greeting',
    keywords: /^\s*(hi|hello|hey|good (morning|afternoon|evening)|hallo|hola|yo)\b/i,
    answer:
      'Hello! I’m Parley’s offline guide. No language model is connected to this relay yet, so I can’t hold a real conversation — but I can tell you what Parley is, how it keeps your data on your machine, and how to connect a model. What would you like to know?',
  },
  {
    id: 'connect',
    keywords: /\b(connect|configure|config|set ?up|install|api[ -]?key|llm|openai|ollama|model|gpt|env)\b/i,
    answer: CONNECT,
  },
  {
    id: 'privacy',
    keywords: /\b(privacy|private|data|secure|security|safe|cloud|server|record|store)\b/i,
    answer:
      'Parley is built so that as little as possible leaves your machine. Speech detection, recognition (when the model is on this device) and the face run inside your browser. The relay is a thin server that holds the API keys: your browser never sees them, and it forwards only what a stage placed there needs — the text of your conversation to its language model, your audio only if recognition runs there. With no model configured — like now — what you type stays in this page: I answer from inside the browser. For a conversation where nothing at all leaves the device, open a private session (Settings → Private session, or /?private): every stage then runs here, and the browser itself refuses any request to the relay or other sites. The header’s Network list shows every request the page made.',
  },
  {
    id: 'voice',
    keywords: /\b(voice|speak|talk|listen|microphone|mic|avatar|face|lip|video|hear)\b/i,
    answer:
      'Parley is meant to be talked to: press the microphone and speak. Your voice is detected and, with a speech model, recognised on this device; the answer is spoken aloud, and the face’s lips follow the voice. Right now I’m the offline guide, so my answers are short and about Parley — connect a language model and you can talk about anything. If the microphone asks for a speech model, it offers the ways to get one.',
  },
  {
    id: 'help',
    keywords: /\b(help|can you|what can|how do|how does|options|commands)\b/i,
    answer:
      'I can explain three things: what Parley is, how it protects your privacy, and how to connect a language model so that you can ask it anything. Try “how do I connect a model?”',
  },
  {
    id: 'about',
    keywords: /\b(what|who)\b.*\b(parley|you|this)\b|\babout\b|\bparley\b/i,
    answer:
      'Parley is a talking-avatar assistant that lives in your browser. You speak or type; a digital human answers. The heavy lifting — voice detection, speech recognition, the animated face — runs on your own device, and a small relay server keeps API keys off the page. It can run as a zero-install web demo, as a private on-device assistant, or as static files plus a relay on your own host.',
  },
  {
    id: 'thanks',
    keywords: /\b(thanks|thank you|cheers|great|nice|cool|awesome)\b/i,
    answer: 'You’re welcome! Ask me about Parley, privacy, or how to connect a model whenever you like.',
  },
]

export function fallbackAnswer(question: string): string {
  const q = question.trim().replace(/\s+/g, ' ')
  const quoted = q.length > 80 ? `${q.slice(0, 77)}…` : q
  return `I’m the offline guide, not a language model, so I can’t really answer “${quoted}”. I can tell you what Parley is, how it keeps your data private, or how to connect a model — once one is connected, you can ask it anything.`
}

/** Picks the guide's answer to a message: the first topic whose keywords match. */
export function guideAnswer(message: string): string {
  return GUIDE_TOPICS.find((t) => t.keywords.test(message))?.answer ?? fallbackAnswer(message)
}

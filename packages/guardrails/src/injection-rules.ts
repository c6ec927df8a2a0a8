/**
 * Prompt-injection rule features. Patterns run on normalized text (lowercase, no diacritics, homoglyphs,
 * leetspeak and spacing undone), so they are written in plain ASCII. Each is a general phrase shape in
 * EN/PT/ES/FR/DE, not a list of known attack strings. Quantifiers are bounded and gaps are word-delimited.
 */

/** Rule category; the text source changes the weight of some categories. */
export type InjectionCategory =
  | 'override'
  | 'exfiltration'
  | 'jailbreak'
  | 'delimiter'
  | 'tool'
  | 'indirect'
  | 'secrecy'
  | 'obfuscation';

/** One weighted rule feature. */
export interface InjectionRule {
  id: string;
  category: InjectionCategory;
  /** Weight in (0,1): the probability-like contribution when this rule fires alone. */
  weight: number;
  pattern: RegExp;
  /**
   * Literal stems of which at least one must occur in the normalized text for the rule to be tried (a
   * single pass over the text finds them all). Empty or absent: always tried.
   */
  triggers?: readonly string[];
}

// Between words: up to 4 non-alphanumerics (zero allowed so spaced-out collapsed text still matches).
const W = '[^a-z0-9]{0,4}';
// Up to n filler words.
const gap = (n: number): string => `(?:[a-z']{1,20}[^a-z0-9]{1,4}){0,${n}}`;
const alt = (...xs: string[]): string => `(?:${xs.join('|')})`;
const B = '(?<![a-z])';
const E = '(?![a-z])';

const OVERRIDE_VERB = alt(
  // en
  'ignore',
  'ignoring',
  'disregard',
  'forget',
  'bypass',
  'override',
  'overlook',
  'discard',
  'neglect',
  'set aside',
  'throw away',
  'abandon',
  'drop',
  'skip',
  // pt / es
  'ignor[ae]r?',
  'ignorem',
  'ignoren',
  'desconsider[ae]r?',
  'esquec[ae]r?',
  'olvid[ae]r?',
  'olvidate de',
  'descart[ae]r?',
  'omit[ae]',
  'haz caso omiso (?:de|a)',
  'pasa por alto',
  // fr
  'ignorez',
  'oublie[zr]?',
  'ne tiens? pas compte (?:de|des|du)',
  'ne tenez pas compte (?:de|des|du)',
  'faites abstraction (?:de|des)',
  // de
  'ignorier(?:e|en|t)?',
  'vergiss',
  'vergessen sie',
  'missachte(?:n)?',
  'verwirf',
);
const OVERRIDE_TARGET = alt(
  'instructions?',
  'prompts?',
  'rules',
  'directions',
  'directives?',
  'guidelines',
  'guardrails',
  'constraints',
  'restrictions',
  'programming',
  'commands',
  'orders',
  'context',
  'polic(?:y|ies)',
  'instrucoes',
  'instrucao',
  'instrucciones',
  'instruccion',
  'regras',
  'reglas',
  'regles',
  'consignes',
  'diretrizes',
  'directrices',
  'ordens',
  'ordenes',
  'ordres',
  'restricoes',
  'restricciones',
  'anweisungen',
  'anweisung',
  'instruktionen',
  'regeln',
  'befehle',
  'vorgaben',
  'richtlinien',
);
// Qualifiers that point at the earlier/system context (pre-noun: en/de; post-noun: pt/es/fr).
const QUAL_PRE = alt(
  'previous',
  'prior',
  'above',
  'earlier',
  'preceding',
  'foregoing',
  'initial',
  'original',
  'old',
  'existing',
  'system',
  'developer',
  'your',
  'all',
  'any',
  'every',
  'safety',
  'vorherigen?',
  'vorigen?',
  'bisherigen?',
  'obigen?',
  'ursprunglichen?',
  'alle',
  'deine',
  'ihre',
  'todas',
  'todos',
  'toutes',
  'tous',
  'tes',
  'vos',
  'tus',
  'tuas',
  'suas',
);
const QUAL_POST = alt(
  'anteriores',
  'anterior',
  'previas',
  'acima',
  'iniciais',
  'originais',
  'iniciales',
  'originales',
  'de arriba',
  'precedentes',
  'anterieures',
  'ci-dessus',
  'initiales',
  'du systeme',
  'do sistema',
  'del sistema',
  'above',
  'before',
  'so far',
);
const AI_NOUN = alt(
  'ai',
  'a\\.i\\.',
  'ia',
  'ki',
  'assistant',
  'assistants',
  'assistente',
  'asistente',
  'assistent',
  'llm',
  'llms',
  'language model',
  'modelo de (?:linguagem|lenguaje)',
  'sprachmodell',
  'chatbot',
  'bot',
  'agent',
  'agente',
  'gpt',
  'chatgpt',
  'claude',
  'gemini',
  'copilot',
);
const REVEAL_VERB = alt(
  'reveal',
  'show',
  'print',
  'output',
  'repeat',
  'display',
  'leak',
  'dump',
  'disclose',
  'share',
  'write out',
  'spell out',
  'recite',
  'copy',
  'paste',
  'tell me',
  'give me',
  'quote',
  'reproduce',
  'echo',
  'translate',
  'list',
  'expose',
  'revela',
  'revele',
  'revelez',
  'mostra',
  'mostre',
  'muestra',
  'muestrame',
  'montre',
  'montrez',
  'diz',
  'diga',
  'dime',
  'dis-moi',
  'dites-moi',
  'imprime',
  'imprima',
  'repete',
  'repita',
  'repite',
  'repetez',
  'escreve',
  'escreva',
  'escribe',
  'partilha',
  'compartilha',
  'comparte',
  'affiche',
  'affichez',
  'donne',
  'dame',
  'zeige?',
  'verrate',
  'gib',
  'nenne',
  'wiederhole',
  'drucke',
  'schreibe',
  'sag',
);
const SYSPROMPT = alt(
  'system ?prompt',
  'system message',
  'system instructions?',
  'initial (?:prompt|instructions)',
  'original (?:prompt|instructions)',
  'hidden (?:prompt|instructions)',
  'secret (?:prompt|instructions)',
  'internal (?:prompt|instructions)',
  'developer (?:prompt|message|instructions)',
  'pre-?prompt',
  'meta-?prompt',
  'prompt (?:do|del|du) (?:sistema|systeme)',
  'prompt (?:inicial|original|initial)',
  'instrucoes (?:do sistema|iniciais|ocultas|secretas|originais)',
  'instrucciones (?:del sistema|iniciales|ocultas|secretas|originales)',
  'instructions (?:du systeme|initiales|cachees|secretes|originales)',
  'systemprompt',
  'system-prompt',
  'systemnachricht',
  'systemanweisungen',
  '(?:versteckten|geheimen|ursprunglichen|initialen) (?:anweisungen|instruktionen)',
);
const DEV_MODE = alt(
  'developer mode',
  'dev mode',
  'god mode',
  'debug mode',
  'admin mode',
  'sudo mode',
  'unrestricted mode',
  'jailbreak mode',
  'modo (?:de )?(?:desenvolvedor|desarrollador|deus|dios)',
  'mode (?:developpeur|dieu)',
  '(?:den )?entwicklermodus',
  'gottmodus',
);
const NO_LIMITS = alt(
  `${alt('no', 'without', 'free (?:of|from)', 'zero', 'bypass(?:ing)?', 'unbound by', 'not bound by')}${W}${gap(2)}${alt('restrictions', 'limitations', 'limits', 'filters', 'filtering', 'censorship', 'ethical guidelines', 'ethics', 'morals', 'moral', 'boundaries', 'content polic(?:y|ies)', 'safeguards', 'safety (?:guidelines|rules|measures)', 'rules', 'guidelines')}`,
  `${alt('sem', 'sin', 'sans', 'ohne')}${W}${gap(2)}${alt('restricoes', 'restricao', 'restricciones', 'restriccion', 'restrictions?', 'limites', 'limitacoes', 'limitaciones', 'filtros?', 'filtres?', 'censura', 'censure', 'regras', 'reglas', 'regles', 'einschrankungen', 'regeln', 'filter', 'zensur', 'grenzen', 'etica', 'ethique', 'moral')}`,
);

const r = (
  id: string,
  category: InjectionCategory,
  weight: number,
  src: string,
  triggers: readonly string[],
): InjectionRule => ({ id, category, weight, pattern: new RegExp(src), triggers });

const OVERRIDE_STEMS = ['ignor', 'disregard', 'forget', 'bypass', 'overrid', 'overlook', 'discard', 'neglect', 'set aside', 'throw away', 'abandon', 'drop', 'skip', 'desconsider', 'esquec', 'olvid', 'descart', 'omit', 'caso omiso', 'pasa por alto', 'oubli', 'pas compte', 'abstraction', 'vergiss', 'vergessen', 'missacht', 'verwirf'];
const OVERRIDE_TARGET_STEMS = ['instruc', 'prompt', 'rules', 'direct', 'guideline', 'guardrail', 'constraint', 'restriction', 'programming', 'commands', 'orders', 'context', 'polic', 'regras', 'reglas', 'regles', 'consignes', 'anweisung', 'regeln', 'befehle', 'vorgaben', 'richtlinien'];
const SYSPROMPT_STEMS = ['system', 'prompt', 'instruc', 'anweisungen', 'instruktionen'];
const AI_STEMS = ['ai', 'a.i.', 'ia', 'ki', 'assist', 'asistente', 'llm', 'language model', 'modelo de', 'sprachmodell', 'bot', 'agent', 'gpt', 'claude', 'gemini', 'copilot'];

/** Built-in rules. */
export const INJECTION_RULES: readonly InjectionRule[] = [
  // --- instruction override
  r(
    'override.ignore-previous',
    'override',
    0.9,
    `${B}${OVERRIDE_VERB}${W}${gap(2)}${QUAL_PRE}${W}${gap(2)}${OVERRIDE_TARGET}${E}`, OVERRIDE_STEMS),
  r(
    'override.ignore-previous',
    'override',
    0.9,
    `${B}${OVERRIDE_VERB}${W}${gap(3)}${OVERRIDE_TARGET}${W}${gap(1)}${QUAL_POST}${E}`, OVERRIDE_STEMS),
  r(
    'override.forget-everything',
    'override',
    0.85,
    `${B}${OVERRIDE_VERB}${W}${alt('everything', 'all', 'tudo', 'todo', 'tout', 'alles')}${W}${gap(2)}${alt('above', 'before', 'said', 'told', 'so far', 'until now', 'up to now', 'you know', 'you were told', 'acima', 'anterior', 'o que te disseram', 'lo anterior', 'lo que te dijeron', 'ce qui precede', 'ce qu.on t.a dit', 'bisher', 'vorher', 'was man dir gesagt')}${E}`, OVERRIDE_STEMS),
  r('override.ignore-instructions', 'override', 0.45, `${B}${OVERRIDE_VERB}${W}${gap(2)}${OVERRIDE_TARGET}${E}`, OVERRIDE_STEMS),
  r(
    'override.new-instructions',
    'override',
    0.5,
    `${B}${alt('new', 'updated', 'real', 'actual', 'true', 'novas', 'nuevas', 'nouvelles', 'neue', 'verdadeiras', 'verdaderas', 'vraies')}${W}${alt('instructions?', 'instrucoes', 'instrucciones', 'anweisungen', 'orders', 'directives?', 'task', 'rules', 'regras', 'reglas', 'regles', 'regeln', 'system prompt')}${W}${alt(':', 'are', 'is', 'follow', 'sao', 'son', 'sont', 'sind', 'lauten', 'below', 'abaixo', 'abajo', 'ci-dessous', 'folgen')}`, ['instruc', 'orders', 'directive', 'task', 'rules', 'regras', 'reglas', 'regles', 'regeln', 'anweisung', 'system prompt']),
  r(
    'override.from-now-on',
    'override',
    0.35,
    `${B}${alt('from now on', 'starting now', 'henceforth', 'a partir de agora', 'a partir de ahora', 'de agora em diante', 'de ahora en adelante', 'a partir de maintenant', 'desormais', 'dorenavant', 'ab jetzt', 'von nun an', 'ab sofort')}(?:\\s{0,2}[.!]|\\s{0,2}$|${W}${gap(1)}${alt('you', 'voce', 'tu', 'vous', 'du', 'ihr', 'respond', 'responde', 'reponds', 'antworte', 'answer', 'act', 'eres', 'es', 'bist', 'seras', 'sera', 'will', 'vais', 'vas')}${E})`, ['from now on', 'starting now', 'henceforth', 'a partir de', 'de agora em', 'de ahora en', 'desormais', 'dorenavant', 'ab jetzt', 'von nun an', 'ab sofort']),
  r(
    'override.disable-safety',
    'override',
    0.85,
    `${B}${alt('disable', 'turn off', 'deactivate', 'remove', 'bypass', 'circumvent', 'override', 'ignore', 'lift', 'desativ[ae]r?', 'desactiv[ae]r?', 'desactivez', 'deaktiviere', 'umgehe')}${W}${gap(2)}${alt('safety', 'content', 'ethical', 'moral', 'your', 'all', 'the')}${W}${gap(1)}${alt('filters?', 'guardrails', 'safeguards', 'alignment', 'censorship', 'safety (?:features|protocols|measures|settings)', 'restrictions', 'filtros?', 'filtres', 'sicherheitsfilter', 'protections?', 'protocols')}${E}`, ['filter', 'guardrail', 'safeguard', 'alignment', 'censor', 'safety', 'restriction', 'protection', 'protocol', 'filtro', 'filtre']),
  r(
    'override.void-instructions',
    'override',
    0.7,
    `${B}${alt('previous', 'prior', 'above', 'earlier', 'original', 'old', 'system')}${W}${OVERRIDE_TARGET}${W}${alt('are', 'were', 'is', 'was')}${W}${gap(1)}${alt('void', 'outdated', 'obsolete', 'cancell?ed', 'revoked', 'fake', 'a test', 'no longer valid', 'no longer apply', 'invalid', 'wrong', 'superseded', 'deprecated', 'null')}${E}`,
    OVERRIDE_TARGET_STEMS,
  ),
  // --- system prompt exfiltration
  r('exfil.reveal-system-prompt', 'exfiltration', 0.85, `${B}${REVEAL_VERB}${W}${gap(3)}${SYSPROMPT}${E}`, SYSPROMPT_STEMS),
  r(
    'exfil.reveal-your-instructions',
    'exfiltration',
    0.75,
    `${B}${REVEAL_VERB}${W}${gap(2)}${alt('your', 'the', 'teu', 'tua', 'teus', 'tuas', 'seu', 'sua', 'seus', 'suas', 'tu', 'tus', 'ton', 'tes', 'votre', 'vos', 'deine', 'deinen', 'ihre', 'ihren')}${W}${alt('instructions', 'prompt', 'instrucoes', 'instrucciones', 'consignes', 'anweisungen', 'instruktionen', 'prompt inicial')}${E}(?!${W}(?:for|on|about|to|para|pour|fur|zum|zur|sobre))`, ['instruc', 'prompt', 'consignes', 'anweisungen', 'instruktionen']),
  r('exfil.system-prompt-mention', 'exfiltration', 0.3, `${B}${SYSPROMPT}${E}`, SYSPROMPT_STEMS),
  r(
    'exfil.ask-about-prompt',
    'exfiltration',
    0.6,
    `${B}${alt('what', 'which', 'o que', 'que', 'qu.est-ce', 'was')}${W}${gap(3)}${alt('your', 'the', 'teu', 'tua', 'seu', 'sua', 'tu', 'ton', 'votre', 'dein', 'deine', 'deinem', 'deinen', 'im', 'no', 'na', 'en el', 'dans ton')}${W}${SYSPROMPT}${E}`,
    SYSPROMPT_STEMS,
  ),
  r(
    'exfil.repeat-above',
    'exfiltration',
    0.8,
    `${B}${alt('repeat', 'print', 'output', 'copy', 'write', 'return', 'repete', 'repite', 'repetez', 'wiederhole')}${W}${gap(3)}${alt('words', 'text', 'everything', 'lines', 'content', 'messages?', 'texto', 'tudo', 'todo', 'tout', 'alles')}${W}${gap(1)}${alt('above', 'before this', 'preceding', 'acima', 'anterior', 'de arriba', 'ci-dessus', 'oben', 'davor')}${E}`, ['above', 'before this', 'preceding', 'acima', 'anterior', 'de arriba', 'ci-dessus', 'oben', 'davor']),
  r(
    'exfil.starting-with',
    'exfiltration',
    0.6,
    `${B}${alt('starting with', 'beginning with', 'begin with', 'start with', 'comecando (?:com|por)', 'empezando (?:con|por)', 'commencant par', 'beginnend mit')}${W}["'\`]?${W}${alt('you are', 'voce e', 'tu es', 'eres', 'vous etes', 'du bist', 'system', 'instructions')}`, ['starting with', 'beginning with', 'begin with', 'start with', 'comecando', 'empezando', 'commencant', 'beginnend']),
  r(
    'exfil.what-instructions',
    'exfiltration',
    0.55,
    `${B}${alt('what', 'which', 'quais', 'cuales', 'quelles', 'welche', 'wie lauten')}${W}${alt('were', 'are', 'was', 'is', 'sao', 'eram', 'son', 'eran', 'sont', 'etaient', 'sind', 'waren')}${W}${gap(1)}${alt('your', 'the', 'as tuas', 'as suas', 'tus', 'vos', 'tes', 'deine', 'ihre')}${W}${alt('original', 'initial', 'system', 'hidden', 'secret', 'exact', 'first', 'iniciais', 'iniciales', 'initiales', 'ursprunglichen')}${W}${alt('instructions', 'prompt', 'instrucoes', 'instrucciones', 'anweisungen', 'rules')}${E}`, ['instruc', 'prompt', 'anweisungen', 'rules']),
  // --- jailbreak personas
  r('jailbreak.dan', 'jailbreak', 0.9, `${B}do anything now${E}`, ['dan', 'do anything now']),
  r(
    'jailbreak.dan',
    'jailbreak',
    0.85,
    `${B}${alt('you are', "you're", 'act as', 'acting as', 'become', 'pretend to be', 'called', 'voce e', 'eres', 'tu es', 'du bist', 'you will be')}${W}${gap(1)}dan${E}|${B}dan${W}${alt('mode', 'prompt', 'jailbreak', 'persona', 'modo', 'modus')}${E}`, ['dan', 'do anything now']),
  r(
    'jailbreak.developer-mode',
    'jailbreak',
    0.8,
    `${B}${DEV_MODE}${W}${gap(1)}${alt('enabled', 'activated', 'output', 'response', 'ativado', 'activado', 'active', 'aktiviert')}${E}|${B}${alt('you are in', "you're in", 'you are now in', 'simulate', 'jailbreak mode', 'god mode', 'unrestricted mode', 'estas em', 'estas en', 'tu es en', 'du bist im')}${W}${gap(1)}${DEV_MODE}?`,
    ['mode', 'modo', 'modus', 'entwicklermodus', 'gottmodus'],
  ),
  // "Enable developer mode" is also how you unlock an Android phone: weak alone.
  r(
    'jailbreak.developer-mode-enable',
    'jailbreak',
    0.35,
    `${B}${alt('enable', 'activate', 'enter', 'switch to', 'turn on', 'ativa', 'ative', 'activa', 'active', 'activez', 'aktiviere', 'entra em', 'entra en')}${W}${gap(1)}${DEV_MODE}`,
    ['mode', 'modo', 'modus', 'entwicklermodus', 'gottmodus'],
  ),
  r('jailbreak.keyword', 'jailbreak', 0.35, `${B}${alt('jailbreak(?:s|ing|ed)?', 'jailbroken', 'jail-broken')}${E}`, ['jailbr', 'jail-br']),
  r(
    'jailbreak.unrestricted-persona',
    'jailbreak',
    0.8,
    `${B}${alt('unfiltered', 'uncensored', 'unrestricted', 'jailbroken', 'amoral', 'unethical', 'evil', 'rogue', 'unaligned', 'unhinged', 'sem filtros?', 'sem censura', 'sin filtros?', 'sin censura', 'sans filtres?', 'sans censure', 'ungefiltert(?:e|er|es)?', 'unzensiert(?:e|er|es)?')}${W}${alt('ai', 'ia', 'ki', 'assistant', 'assistente', 'asistente', 'model', 'chatbot', 'bot', 'version', 'mode', 'persona', 'character', 'alter ego', 'twin', 'confidant', 'modelo', 'version', 'modus')}${E}|${B}${AI_NOUN}${W}${alt('sem filtros?', 'sem censura', 'sin filtros?', 'sin censura', 'sans filtres?', 'sans censure', 'ohne filter', 'ohne zensur', 'without (?:any )?(?:filters?|restrictions|limits)')}`, ['unfilter', 'uncensor', 'unrestrict', 'jailbroken', 'amoral', 'unethical', 'evil', 'rogue', 'unaligned', 'unhinged', 'sem filtro', 'sem censura', 'sin filtro', 'sin censura', 'sans filtre', 'sans censure', 'ungefiltert', 'unzensiert', 'ohne filter', 'ohne zensur', 'without']),
  r(
    'jailbreak.named-persona',
    'jailbreak',
    0.35,
    `${B}${alt('you are', "you're", 'you are now', 'act as', 'become', 'play', 'you will be', 'voce e', 'eres', 'tu es', 'du bist')}${W}[a-z]{2,14}${W}${alt('an?', 'the', 'uma?', 'una?', 'une?', 'eine?')}${W}${gap(1)}${alt('ai', 'ia', 'ki', 'assistant', 'model', 'chatbot', 'bot', 'persona', 'character')}${E}`,
    AI_STEMS,
  ),
  r('jailbreak.no-limits', 'jailbreak', 0.4, `${B}${NO_LIMITS}${E}`, ['restrict', 'limit', 'filter', 'censor', 'ethic', 'moral', 'boundar', 'polic', 'safeguard', 'safety', 'rules', 'guidelines', 'restric', 'regras', 'reglas', 'regles', 'einschrank', 'regeln', 'zensur', 'grenzen']),
  r(
    'jailbreak.no-longer',
    'jailbreak',
    0.8,
    `${B}${alt('you are no longer', "you're no longer", 'you are not', 'you are now free', 'you have been freed', 'you are free from', 'voce ja nao e', 'ja nao es', 'ya no eres', "tu n'es plus", 'du bist nicht mehr', 'du bist jetzt frei')}${W}${gap(2)}${alt('an? ai', 'ai', 'chatgpt', 'claude', 'an? assistant', 'an? language model', 'bound', 'restricted', 'limited', 'constrained', 'uma ia', 'una ia', 'une ia', 'eine ki', 'assistente', 'asistente', 'assistant', 'limitad[oa]', 'restringid[oa]', 'gebunden', 'eingeschrankt', 'of', 'from')}${E}`, ['no longer', 'you are not', 'you are now free', 'freed', 'free from', 'ja nao', 'ya no eres', "n'es plus", 'nicht mehr', 'jetzt frei']),
  r(
    'jailbreak.roleplay',
    'jailbreak',
    0.3,
    `${B}${alt('pretend (?:that )?(?:you are|you.re|to be)', 'act as if you', 'imagine you are', 'roleplay as', 'role-play as', 'stay in character', 'you are going to act as', 'act as an?', 'finge que (?:es|e|eres|voce e)', 'faz de conta que', 'age como', 'actua como', 'haz de cuenta', 'fais semblant', 'faites semblant', 'agis comme', 'tu so als', 'verhalte dich wie', 'spiel die rolle')}${E}`, ['pretend', 'act as', 'imagine you', 'roleplay', 'role-play', 'stay in character', 'going to act', 'finge', 'faz de conta', 'age como', 'actua como', 'haz de cuenta', 'semblant', 'agis comme', 'tu so als', 'verhalte dich', 'spiel die rolle']),
  r(
    'jailbreak.hypothetical-harm',
    'jailbreak',
    0.35,
    `${B}${alt('hypothetically', 'for a novel', 'for educational purposes', 'purely fictional', 'in a fictional world', 'my grandmother used to', 'grandma used to')}${E}`, ['hypothetically', 'for a novel', 'educational purposes', 'purely fictional', 'fictional world', 'grandm']),
  r(
    'jailbreak.two-responses',
    'jailbreak',
    0.55,
    `${B}${alt('two (?:responses|answers|paragraphs)', 'both responses', 'one normal and one', 'normal response and')}${W}${gap(4)}${alt('jailbreak', 'unfiltered', 'developer', 'dan', 'uncensored', 'without')}`, ['two responses', 'two answers', 'two paragraphs', 'both responses', 'one normal', 'normal response']),
  // --- delimiter / fake system tags
  r(
    'delimiter.chat-template',
    'delimiter',
    0.8,
    '<\\|(?:im_start|im_end|system|endoftext|assistant|user|begin_of_text|start_header_id|end_header_id|eot_id)\\|?>|\\[/?(?:inst|sys|system)\\]|<</?sys>>', ['<|', '[inst', '[/inst', '[sys', '[/sys', '<<sys', '<</sys']),
  r(
    'delimiter.fake-tag',
    'delimiter',
    0.7,
    '</?(?:system|sys|system_prompt|instructions?|admin|developer|root|override)(?:\\s[^<>]{0,40})?>', ['<system', '</system', '<sys', '</sys', '<instruction', '</instruction', '<admin', '</admin', '<developer', '</developer', '<root', '</root', '<override', '</override']),
  r(
    'delimiter.role-line',
    'delimiter',
    0.45,
    `(?:^|\\n)[#>*=\\[\\s-]{0,6}${alt('system', 'developer', 'admin', 'administrator', 'root', 'sistema', 'systeme')}${alt('', ' prompt', ' message', ' override', ' instructions?', ' update', ' notice')}\\]?\\s{0,2}:`, ['system', 'developer', 'admin', 'root', 'sistema', 'systeme']),
  r(
    'delimiter.system-override',
    'delimiter',
    0.7,
    `${B}${alt('system', 'admin', 'developer', 'security', 'root', 'sistema', 'systeme')}${W}${alt('override', 'overrides', 'bypass', 'unlock', 'sobreposicao', 'anulacion', 'uberschreibung')}${E}`,
    ['overrid', 'bypass', 'unlock', 'sobreposicao', 'anulacion', 'uberschreibung'],
  ),
  r(
    'delimiter.boundary',
    'delimiter',
    0.6,
    `${alt('begin', 'end', 'start', 'inicio', 'fim', 'fin', 'debut', 'ende', 'anfang')}${W}${alt('of ', '')}${alt('system', 'new', 'hidden', 'secret', 'admin', 'real')}${W}${alt('prompt', 'instructions?', 'message', 'section')}${E}`, ['prompt', 'instruc', 'message', 'section']),
  r(
    'delimiter.end-of-input',
    'delimiter',
    0.4,
    `${alt('end', 'fim', 'fin', 'ende')}${W}${alt('of ', 'do ', 'de ', 'du ', 'der ', 'des ', '')}${alt('user input', 'input', 'document', 'context', 'conversation', 'email', 'text', 'data', 'documento', 'contexto', 'texto', 'dokument', 'kontext')}${W}[-=#*\\]>]`, ['end', 'fim', 'fin']),
  // --- tool / format hijack and exfiltration by the model
  r(
    'tool.send-data',
    'tool',
    0.8,
    `${B}${alt('send', 'forward', 'post', 'upload', 'transmit', 'email', 'mail', 'leak', 'exfiltrate', 'envia', 'envie', 'enviar', 'reencaminha', 'reenvia', 'envoie', 'envoyez', 'transfere', 'sende', 'schicke', 'leite')}${W}${gap(4)}${alt('conversation', 'chat history', 'history', 'messages', 'data', 'emails?', 'credentials', 'passwords?', 'api keys?', 'keys', 'tokens?', 'files?', 'contents', 'secrets', 'user data', 'personal data', 'conversa', 'conversacion', 'historico', 'historial', 'dados', 'datos', 'donnees', 'daten', 'passwort', 'senhas?', 'contrasenas?', 'mots de passe', 'chave', 'chaves', 'claves', 'cles')}${W}${gap(4)}${alt('to', 'para', 'a', 'au', 'an', 'at')}${W}${alt('https?:', 'www\\.', '[a-z0-9._-]{1,40}@', 'this (?:url|address|endpoint|server|email)', 'the following', 'attacker', 'http')}`, ['http', 'www.', '@', 'url', 'address', 'endpoint', 'server', 'the following', 'attacker']),
  r(
    'tool.call-tool',
    'tool',
    0.45,
    `${B}${alt('call', 'invoke', 'execute', 'run', 'trigger', 'use', 'chama', 'chame', 'executa', 'execute', 'ejecuta', 'llama', 'appelle', 'appelez', 'execute', 'rufe', 'fuhre')}${W}${gap(1)}${alt('the ', 'a ', 'o ', 'la ', 'el ', 'le ', 'die ', 'das ', '')}${alt('tool', 'function', 'plugin', 'action', 'ferramenta', 'herramienta', 'outil', 'werkzeug', 'funcao', 'funcion', 'fonction', 'funktion')}${W}[a-z_.]{0,40}${W}${alt('with', 'using', 'com', 'con', 'avec', 'mit', 'and', 'to')}${E}`, ['tool', 'function', 'plugin', 'action', 'ferramenta', 'herramienta', 'outil', 'werkzeug', 'funcao', 'funcion', 'fonction', 'funktion']),
  r(
    'tool.markdown-image-exfil',
    'tool',
    0.6,
    '!\\[[^\\]\\n]{0,100}\\]\\(https?://[^)\\s]{1,200}[?&][a-z_]{1,20}=[^)\\s]{0,200}(?:\\{|\\$|%7b|\\[|data|conversation|secret|history|chat|user|token|key)', ['![']),
  r(
    'tool.shell',
    'tool',
    0.45,
    '(?:curl|wget)\\s{1,3}[^\\n|]{0,200}\\|\\s{0,3}(?:ba|z)?sh\\b|\\brm\\s{1,3}-rf\\s{1,3}[/~]|\\bchmod\\s{1,3}\\+x\\b[^\\n]{0,80}&&', ['curl', 'wget', 'rm ', 'chmod']),
  r(
    'tool.execute-command',
    'tool',
    0.35,
    `${B}${alt('execute', 'run', 'eval', 'executa', 'execute', 'ejecuta', 'executez', 'fuhre')}${W}${alt('the following', 'this', 'these', 'o seguinte', 'el siguiente', 'la commande suivante', 'folgenden')}${W}${alt('commands?', 'code', 'script', 'shell', 'comando', 'codigo', 'commande', 'befehl')}${E}`,
    ['execut', 'run', 'eval', 'ejecuta', 'fuhre'],
  ),
  r(
    'tool.format-hijack',
    'tool',
    0.4,
    `${B}${alt('respond', 'reply', 'answer', 'output', 'responde', 'responda', 'reponds', 'repondez', 'antworte')}${W}${alt('only', 'solely', 'just', 'apenas', 'somente', 'solo', 'unicamente', 'seulement', 'uniquement', 'nur')}${W}${alt('with', 'com', 'con', 'avec', 'mit')}${W}${alt('yes', 'the word', 'the phrase', '"', "'", 'pwned', 'hacked', 'sim', 'si', 'oui', 'ja')}`, ['only', 'solely', 'just', 'apenas', 'somente', 'solo', 'unicamente', 'seulement', 'uniquement', 'nur']),
  r('tool.pwned', 'tool', 0.55, `${B}${alt('pwned', 'pwnd', 'i have been pwned', 'hacked by', 'haha pwned')}${E}`, ['pwn', 'hacked by']),
  r(
    'tool.url-with-data',
    'tool',
    0.5,
    `https?://[^\\s]{1,200}${W}${gap(3)}${alt('chat history', 'conversation', 'user data', 'credentials', 'tokens?', 'cookies', 'session', 'api keys?', 'passwords?', 'historico', 'historial', 'conversa', 'conversacion', 'verlauf')}${E}|${alt('chat history', 'conversation', 'user data', 'credentials', 'cookies', 'session', 'api keys?', 'passwords?')}${W}${gap(3)}${alt('to', 'into', 'at', 'para', 'a', 'an')}${W}https?://`,
    ['http'],
  ),
  // --- indirect injection aimed at an AI reading retrieved content
  r(
    'indirect.ai-reading-this',
    'indirect',
    0.8,
    `${B}${AI_NOUN}${W}${gap(1)}${alt('reading', 'processing', 'parsing', 'summarizing', 'summarising', 'analyzing', 'analysing', 'scanning', 'reviewing', 'viewing', 'browsing', 'crawling', 'that (?:reads|is reading|processes)', 'who (?:reads|is reading)', 'a ler', 'que (?:le|esta a ler|esta lendo|lee|esta leyendo|processa|procesa)', 'qui (?:lit|traite)', 'lisant', '(?:der|die|das) (?:dies|diesen text|das) liest')}${W}${alt('this', 'these', 'the', 'isto', 'este', 'esta', 'esto', 'ce', 'cette', 'ceci', 'dies', 'diese', 'diesen', 'my', 'our', '')}${E}`, AI_STEMS),
  r(
    'indirect.note-to-ai',
    'indirect',
    0.75,
    `${B}${alt('note', 'message', 'instructions?', 'attention', 'notice', 'important', 'reminder', 'directive', 'nota', 'mensagem', 'mensaje', 'instrucoes', 'instrucciones', 'atencao', 'atencion', 'message', 'hinweis', 'nachricht', 'anweisung', 'achtung')}${W}${alt('to', 'for', 'para', 'pour', 'a', 'ao', 'al', 'an', 'fur')}${W}${alt('the ', 'any ', 'all ', 'a ', 'o ', 'la ', 'el ', "l'", 'l', 'die ', 'den ', 'jede ', '')}${AI_NOUN}${E}`, AI_STEMS),
  r(
    'indirect.if-you-are-ai',
    'indirect',
    0.75,
    `${B}${alt('if you are', 'if you.re', 'as an?', 'se (?:voce )?(?:e|es|for)', 'si (?:eres|usted es)', 'si (?:tu es|vous etes)', 'wenn du', 'falls du', 'wenn sie')}${W}${alt('an? ', 'uma? ', 'una? ', 'une? ', 'eine? ', 'the ', '')}${alt('ai language model', 'ai model', 'ai assistant', 'ai agent', 'ai', 'ia', 'ki', 'llm', 'language model', 'large language model', 'chatbot', 'ai assistant', 'ai model', 'assistente (?:de ia|virtual)', 'asistente (?:de ia|virtual)', 'sprachmodell', 'gpt', 'claude')}${W}${alt('', 'bist', 'sind')}${W}${alt('reading', 'processing', 'summarizing', 'you must', 'you should', 'please', 'then', 'ignore', 'do', 'lendo', 'a ler', 'leyendo', 'entao', 'entonces', 'alors', 'dann', ',', 'que', 'qui', 'der', 'die')}`, AI_STEMS),
  r(
    'indirect.when-summarizing',
    'indirect',
    0.5,
    `${B}${alt('when', 'while', 'if', 'before', 'quando', 'ao', 'cuando', 'al', 'lorsque', 'quand', 'en', 'wenn', 'beim')}${W}${gap(1)}${alt('summariz', 'summaris', 'resumi', 'resum', 'zusammenfass', 'process', 'read', 'analyz', 'analys')}[a-z]{0,6}${W}${gap(1)}${alt('this', 'the', 'isto', 'este', 'esta', 'esto', 'ce', 'cette', 'diese[nrs]?', 'den', 'die', 'das')}${W}${alt('page', 'document', 'email', 'e-mail', 'text', 'article', 'file', 'website', 'content', 'pagina', 'documento', 'texto', 'artigo', 'articulo', 'document', 'texte', 'article', 'seite', 'dokument', 'text', 'artikel')}${W}${gap(1)}${alt('you', 'voce', 'tu', 'vous', 'du', 'sie', 'must', 'should', 'deve', 'debe', 'doit', 'musst', 'include', 'add', 'tell', 'say', 'ignore', 'also', 'instead')}${E}`, ['summar', 'resum', 'zusammenfass', 'process', 'read', 'analy']),
  r(
    'indirect.instead-of',
    'indirect',
    0.4,
    `${B}${alt('instead of', 'rather than', 'em vez de', 'en vez de', 'en lugar de', 'au lieu de', 'anstatt', 'statt')}${W}${alt('summariz', 'summaris', 'resumi', 'resum', 'zusammenfass', 'translat', 'traduz', 'traduc', 'tradui', 'ubersetz', 'answer', 'respond', 'responder', 'repondre', 'antwort')}`, ['instead of', 'rather than', 'em vez de', 'en vez de', 'en lugar de', 'au lieu de', 'anstatt', 'statt']),
  // --- secrecy: hide the action from the user
  r(
    'secrecy.covert',
    'secrecy',
    0.45,
    `${B}${alt('secretly', 'covertly', 'silently', 'quietly', 'without the user (?:knowing|noticing)', 'em segredo', 'secretamente', 'en secreto', 'en secret', 'secretement', 'heimlich')}${E}`,
    ['secret', 'covert', 'silent', 'quiet', 'without the user', 'segredo', 'heimlich'],
  ),
  r(
    'secrecy.hide-from-user',
    'secrecy',
    0.7,
    `${B}${alt("do not|don't|never|dont", 'without', 'nao', 'sem', 'no', 'sin', 'ne', 'sans', 'nicht', 'ohne', 'niemals')}${W}${gap(2)}${alt('tell', 'telling', 'inform', 'informing', 'mention', 'mentioning', 'reveal', 'revealing', 'alert', 'alerting', 'notify', 'notifying', 'let', 'digas', 'diga', 'contes', 'informe', 'informar', 'mencione', 'mencionar', 'menciones', 'informes', 'avisar', 'avises', 'dis', 'dites', 'informer', 'prevenir', 'mentionner', 'sag', 'sagen', 'informieren', 'erwahnen', 'verrate', 'benachrichtigen')}${W}${gap(2)}${alt('the user', 'the human', 'the person', 'ao utilizador', 'ao usuario', 'o utilizador', 'o usuario', 'al usuario', 'el usuario', "a l'utilisateur", "l'utilisateur", 'dem (?:nutzer|benutzer|anwender)', 'den (?:nutzer|benutzer|anwender)', 'der (?:nutzer|benutzer|anwender)')}${E}`, ['user', 'utilizador', 'usuario', 'utilisateur', 'nutzer', 'benutzer', 'anwender', 'human', 'person']),
];

/** Weights of obfuscation features found by normalization (weak alone; they add to real rule hits). */
export const OBFUSCATION_WEIGHTS: Readonly<Record<string, number>> = {
  'obfuscation.tag-chars': 0.3,
  'obfuscation.invisible': 0.1,
  'obfuscation.homoglyph': 0.25,
  'obfuscation.leetspeak': 0.1,
  'obfuscation.spaced': 0.1,
  'obfuscation.base64': 0.2,
  'obfuscation.hex': 0.2,
};

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { ChatTemplate } from '../../src/io/chat-template.js';

const FILE = '/models/m/tokenizer_config.json';

describe('chat template errors are typed and name the file', () => {
  it('a template that fails on the simplest conversation is refused when it loads, not at the first prompt', () => {
    const broken = '{{ messages[0].content.no_such_method() }}';
    expect(() => new ChatTemplate(broken, {}, FILE)).toThrow(ConfigError);
    expect(() => new ChatTemplate(broken, {}, FILE)).toThrow(/tokenizer_config\.json: chat_template failed to render \[user\]/);
  });

  it("a template's raise_exception at render time is a ConfigError naming the file and the roles", () => {
    const strict = "{% for m in messages %}{% if m.role == 'tool' %}{{ raise_exception('no tools here') }}{% endif %}{{ m.content }}{% endfor %}";
    const template = new ChatTemplate(strict, {}, FILE);
    expect(() => template.render([{ role: 'user', content: 'a' }, { role: 'tool', content: 'b' }])).toThrow(/tokenizer_config\.json: chat_template failed to render \[user, tool\] \(.*no tools here/);
  });

  it('a template that does not parse is a ConfigError naming the file', () => {
    expect(() => new ChatTemplate('{% for %}', {}, FILE)).toThrow(/tokenizer_config\.json: chat_template does not parse/);
  });
});

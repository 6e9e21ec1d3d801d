/** A labelled text input with a hint and an inline error message. */
import { h } from './dom';

export interface FormField {
  el: HTMLElement;
  input: HTMLInputElement;
  setError(message: string | null): void;
}

export function formField(options: {
  id: string;
  label: string;
  value: string;
  hint?: string;
  placeholder?: string;
  maxLength?: number;
  autocomplete?: string;
  addon?: HTMLElement;
  type?: 'text' | 'password';
}): FormField {
  const errorId = `${options.id}-error`;
  const hintId = `${options.id}-hint`;
  const input = h('input', {
    id: options.id,
    name: options.id,
    type: options.type ?? 'text',
    class: 'field-input',
    placeholder: options.placeholder,
    maxlength: options.maxLength,
    autocomplete: options.autocomplete ?? 'off',
    spellcheck: 'false',
    'aria-describedby': `${options.hint ? hintId : ''} ${errorId}`.trim(),
  });
  input.value = options.value;
  const error = h('p', { id: errorId, class: 'field-error', 'aria-live': 'polite' });
  const el = h(
    'div',
    { class: 'field' },
    h('label', { class: 'field-label', for: options.id }, options.label),
    h('div', { class: 'field-row' }, input, options.addon ?? null),
    options.hint ? h('p', { id: hintId, class: 'field-hint' }, options.hint) : null,
    error,
  );
  return {
    el,
    input,
    setError(message) {
      error.textContent = message ?? '';
      input.toggleAttribute('aria-invalid', message !== null);
      el.classList.toggle('invalid', message !== null);
    },
  };
}

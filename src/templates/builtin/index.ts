import type { BuiltinTemplates } from '../../core/templates/ports.js';
import { DEFAULT_LAYOUT } from '../../core/templates/templates.js';
import { accessRequest } from './access-request.js';
import { alert } from './alert.js';
import { contactAutoreply } from './contact-autoreply.js';
import { invitation } from './invitation.js';
import { DEFAULT_LAYOUT_DRAFT } from './layout.js';
import { magicLink } from './magic-link.js';
import { passwordReset } from './password-reset.js';
import { report } from './report.js';
import { testMessage } from './test-message.js';
import { twoFactor } from './two-factor.js';

/** What Mailroom ships: a template in English and German for every built-in purpose (keyed like it), and the branded layout. */
export const BUILTIN_TEMPLATES: BuiltinTemplates = {
  templates: {
    invitation,
    magic_link: magicLink,
    password_reset: passwordReset,
    two_factor: twoFactor,
    alert,
    report,
    access_request: accessRequest,
    contact_autoreply: contactAutoreply,
    test: testMessage,
  },
  layouts: { [DEFAULT_LAYOUT]: DEFAULT_LAYOUT_DRAFT },
  superseded: {
    // Until the subject was squished (a visitor's line break made the reply a refusal).
    contact_autoreply: ['0ce96ad551fe4b3e85f51e967144bad991c8d8a86ea52049ce3de483f2be4369'],
  },
};

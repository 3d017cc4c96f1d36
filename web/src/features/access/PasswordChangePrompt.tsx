import { Link } from '../../router.js';

/** Above every page while the signed-in user's password is one someone else chose. */
export function PasswordChangePrompt() {
  return (
    <div className="banner" role="status">
      <strong>Choose your own password.</strong> You signed in with a password someone else chose (generated at the first start, or set by an admin).{' '}
      <Link to="/profile" className="banner-link">Change it now →</Link>
    </div>
  );
}

export const ROLES = ['admin', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  disabled: boolean;
  /** The password is one someone else chose (generated at the first start, or set by an admin creating or resetting it): the UI asks to change it. */
  passwordChangeRequired: boolean;
  createdAt: number;
  updatedAt: number;
  version: number;
}

/** What the screens show: plain data, ready for `setData`, worded in Vietnamese. */

export interface ScopeView {
  name: string;
  label: string;
}

export interface ProfileRow {
  key: string;
  label: string;
  value: string;
}

export interface AccountView {
  name: string;
  /** Our own user id. */
  userId: string;
  tikiCustomerId: number;
  scopes: ScopeView[];
  /** The Open API profile, field by field (unknown fields included). */
  profile: ProfileRow[];
  /** Set instead of `profile` when the server may not read it (scope `user_profile` missing). */
  profileNote: string;
}

export type ErrorAction = 'sign_in' | 'reload' | 'none';

export interface ErrorView {
  title: string;
  message: string;
  action: ErrorAction;
  /** The button's label, empty when `action` is 'none'. */
  actionLabel: string;
}

const PROFILE_LABELS: Record<string, string> = {
  id: 'Mã khách hàng',
  name: 'Họ tên',
  email: 'Email',
  phone_number: 'Số điện thoại',
};

/** Known fields first, in a stable order, then whatever else Tiki sent. Empty values are left out. */
export function toProfileRows(profile: Record<string, unknown>): ProfileRow[] {
  const known = Object.keys(PROFILE_LABELS);
  const keys = [
    ...known.filter((key) => key in profile),
    ...Object.keys(profile).filter((k) => !known.includes(k)),
  ];
  const rows: ProfileRow[] = [];
  for (const key of keys) {
    const value = profile[key];
    if (value === undefined || value === null || value === '') continue;
    rows.push({
      key,
      label: PROFILE_LABELS[key] ?? key,
      value: typeof value === 'object' ? JSON.stringify(value) : String(value),
    });
  }
  return rows;
}

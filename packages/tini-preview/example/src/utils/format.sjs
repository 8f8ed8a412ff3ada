// Formatting for templates: imported by <import-sjs>, evaluated apart from the app's JavaScript.
export const currency = 'đ';

function money(amount) {
  return `${amount.toLocaleString('vi-VN')}${currency}`;
}

export default { money };

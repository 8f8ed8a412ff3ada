import { ApiError } from '../api/errors.ts';
import { NotSignedInError } from '../auth/auth.ts';
import { ScopeError } from '../auth/scope-error.ts';
import { scopeLabel } from '../auth/scopes.ts';
import { AuthCodeError, ConsentCancelledError } from '../platform/auth-code.ts';
import {
  DomainNotAllowedError,
  NetworkError,
  ResponseFormatError,
  TimeoutError,
} from '../platform/request-errors.ts';
import { StorageError } from '../platform/storage.ts';
import { PaymentCanceledError, PaymentPendingError } from '../shop/payment-outcome.ts';
import type { ErrorAction, ErrorView } from './view.ts';

const ACTION_LABELS: Record<ErrorAction, string> = {
  sign_in: 'Thử lại',
  reload: 'Tải lại',
  none: '',
};

function view(title: string, message: string, action: ErrorAction): ErrorView {
  return { title, message, action, actionLabel: ACTION_LABELS[action] };
}

function labels(scopes: readonly string[]): string {
  return scopes.map((scope) => `“${scopeLabel(scope)}”`).join(', ');
}

/**
 * Words a failure for the person holding the phone, with the one thing they can do about it.
 * `during` says which step failed, so that "try again" repeats that step.
 */
export function explain(error: unknown, during: 'sign_in' | 'load'): ErrorView {
  const retry: ErrorAction = during === 'sign_in' ? 'sign_in' : 'reload';

  if (error instanceof ScopeError) {
    if (error.notAllowed.length > 0) {
      return view(
        'Ứng dụng chưa được cấp quyền',
        `Ứng dụng này chưa được Tiki cho phép xin quyền ${labels(error.notAllowed)}, nên chưa thể đăng nhập. ` +
          'Nhà phát triển cần bật quyền này cho ứng dụng trong Tini Console.',
        'sign_in',
      );
    }
    if (error.refused.length > 0) {
      return view(
        'Bạn chưa đồng ý chia sẻ thông tin',
        `Ứng dụng cần quyền ${labels(error.refused)} để đăng nhập. ` +
          'Hãy bấm “Thử lại” và chọn “Đồng ý” trên màn hình xin quyền của Tiki.',
        'sign_in',
      );
    }
    return view('Tiki chưa cấp quyền', 'Tiki chưa cấp đủ quyền cho ứng dụng. Vui lòng thử lại.', 'sign_in');
  }
  if (error instanceof PaymentCanceledError) {
    return view(
      'Bạn chưa thanh toán',
      'Màn hình thanh toán của Tiki đã đóng, đơn hàng chưa được trả tiền.',
      retry,
    );
  }
  if (error instanceof PaymentPendingError) {
    return view(
      'Tiki chưa xác nhận thanh toán',
      'Nếu bạn đã trả tiền, đơn hàng sẽ được cập nhật trong giây lát. Bấm “Tải lại” để kiểm tra.',
      retry,
    );
  }
  if (error instanceof ConsentCancelledError) {
    return view(
      'Bạn đã hủy đăng nhập',
      'Bạn đã đóng màn hình xin quyền của Tiki. Bấm “Thử lại” khi bạn muốn đăng nhập.',
      'sign_in',
    );
  }
  if (error instanceof AuthCodeError) {
    return view(
      'Chưa kết nối được tài khoản Tiki',
      'Không lấy được mã xác thực từ Tiki. Vui lòng thử lại sau giây lát.',
      'sign_in',
    );
  }
  if (error instanceof NotSignedInError) {
    return view('Bạn chưa đăng nhập', 'Vui lòng đăng nhập với Tiki để tiếp tục.', 'sign_in');
  }
  if (error instanceof ApiError) return explainApiError(error, retry);
  if (error instanceof DomainNotAllowedError) {
    return view(
      'Máy chủ chưa được cho phép',
      'Tên miền máy chủ của ứng dụng chưa được đăng ký trong Tini Console, nên Tiki chặn kết nối.',
      'none',
    );
  }
  if (error instanceof TimeoutError) {
    return view('Máy chủ phản hồi quá lâu', 'Kết nối đang chậm. Vui lòng thử lại.', retry);
  }
  if (error instanceof NetworkError) {
    return view(
      'Không kết nối được máy chủ',
      'Kiểm tra kết nối mạng của bạn rồi thử lại. Nếu vẫn lỗi, máy chủ có thể đang bảo trì.',
      retry,
    );
  }
  if (error instanceof ResponseFormatError) {
    return view(
      'Máy chủ trả lời không hợp lệ',
      'Ứng dụng và máy chủ đang không cùng phiên bản. Vui lòng thử lại sau.',
      retry,
    );
  }
  if (error instanceof StorageError) {
    return view('Không lưu được dữ liệu', 'Bộ nhớ của ứng dụng đang gặp lỗi. Vui lòng thử lại.', retry);
  }
  return view('Đã có lỗi xảy ra', 'Vui lòng thử lại sau giây lát.', retry);
}

function explainApiError(error: ApiError, retry: ErrorAction): ErrorView {
  switch (error.code) {
    case 'invalid_auth_code':
      return view(
        'Mã đăng nhập đã hết hạn',
        'Mã đăng nhập từ Tiki không còn dùng được. Vui lòng thử lại.',
        'sign_in',
      );
    case 'unauthenticated':
    case 'tiki_reauth_required':
      return view('Phiên đăng nhập đã hết hạn', 'Vui lòng đăng nhập lại với Tiki để tiếp tục.', 'sign_in');
    case 'scope_missing':
      return view(
        'Thiếu quyền truy cập',
        'Tài khoản chưa cấp quyền cần thiết cho thao tác này. Hãy đăng nhập lại và đồng ý chia sẻ thông tin.',
        'sign_in',
      );
    case 'rate_limited':
      return view('Bạn thao tác quá nhanh', 'Vui lòng đợi một chút rồi thử lại.', retry);
    case 'upstream_unavailable':
      return view(
        'Tiki đang gián đoạn',
        'Hệ thống của Tiki đang tạm thời không phản hồi. Vui lòng thử lại sau.',
        retry,
      );
    case 'order_amount_limit_exceeded':
      return view(
        'Đơn hàng vượt hạn mức',
        'Tiki chỉ nhận mỗi đơn tối đa 10.000.000 ₫. Vui lòng bớt sản phẩm rồi thử lại.',
        'none',
      );
    case 'unknown_product':
      return view(
        'Sản phẩm đã thay đổi',
        'Một sản phẩm trong giỏ không còn bán. Vui lòng tải lại cửa hàng.',
        retry,
      );
    case 'tiki_order_refused':
      return view(
        'Tiki từ chối đơn hàng',
        'Tiki chưa nhận đơn hàng này. Vui lòng thử lại sau hoặc liên hệ cửa hàng.',
        retry,
      );
    case 'order_in_progress':
      return view('Đơn hàng đang được tạo', 'Vui lòng đợi một chút rồi thử lại.', retry);
    case 'order_not_cancelable':
      return view(
        'Không thể hủy đơn',
        'Đơn hàng đã được thanh toán nên không thể hủy trong ứng dụng.',
        'none',
      );
    case 'storage_unavailable':
      return view('Máy chủ đang bận', 'Máy chủ đang quá tải trong giây lát. Vui lòng thử lại.', retry);
    default:
      return view('Máy chủ đang gặp sự cố', 'Vui lòng thử lại sau giây lát.', retry);
  }
}

# The package's public names (`__init__.py` loads them lazily on first use).
from . import qr as qr
from ._native import MacSigner as MacSigner
from .callbacks import CallbackVerifier as CallbackVerifier
from .callbacks import parse_callback_form as parse_callback_form
from .callbacks import verify_callback as verify_callback
from .cashier import AsyncCashier as AsyncCashier
from .cashier import Cashier as Cashier
from .cashier import CashierRecord as CashierRecord
from .cashier import CashierStats as CashierStats
from .cashier import Event as Event
from .cashier import EventKind as EventKind
from .cashier import TickReport as TickReport
from .cashier import UndeliveredEvent as UndeliveredEvent
from .client import DEFAULT_BASE_URL as DEFAULT_BASE_URL
from .client import DEFAULT_CONNECT_TIMEOUT as DEFAULT_CONNECT_TIMEOUT
from .client import DEFAULT_DEADLINE as DEFAULT_DEADLINE
from .client import DEFAULT_PAGE_SIZE as DEFAULT_PAGE_SIZE
from .client import DEFAULT_RETRIES as DEFAULT_RETRIES
from .client import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from .client import MAX_PAGE_SIZE as MAX_PAGE_SIZE
from .client import MIN_PAGE_SIZE as MIN_PAGE_SIZE
from .client import PRODUCTION_BASE_URL as PRODUCTION_BASE_URL
from .client import SANDBOX_BASE_URL as SANDBOX_BASE_URL
from .client import AsyncClient as AsyncClient
from .client import Client as Client
from .errors import ApiError as ApiError
from .errors import AuthenticationError as AuthenticationError
from .errors import DecodeError as DecodeError
from .errors import InternalError as InternalError
from .errors import InvalidInputError as InvalidInputError
from .errors import InvalidParametersError as InvalidParametersError
from .errors import InvalidQrCodeError as InvalidQrCodeError
from .errors import InvalidStateError as InvalidStateError
from .errors import IoError as IoError
from .errors import LifecycleError as LifecycleError
from .errors import NotFoundError as NotFoundError
from .errors import PayseraError as PayseraError
from .errors import RateLimitError as RateLimitError
from .errors import StoreError as StoreError
from .errors import TimeoutError as TimeoutError
from .errors import TransportError as TransportError
from .models import Allowance as Allowance
from .models import AllowanceLimit as AllowanceLimit
from .models import AllowanceStatus as AllowanceStatus
from .models import CallbackEvent as CallbackEvent
from .models import CheckIn as CheckIn
from .models import Freeze as Freeze
from .models import Item as Item
from .models import Metadata as Metadata
from .models import Money as Money
from .models import Order as Order
from .models import OrderStatus as OrderStatus
from .models import Payment as Payment
from .models import PaymentStatus as PaymentStatus
from .models import PlaceInfo as PlaceInfo
from .models import Reserve as Reserve
from .models import Spot as Spot
from .models import SpotList as SpotList
from .models import SpotStatus as SpotStatus
from .models import Transaction as Transaction
from .models import TransactionAllowance as TransactionAllowance
from .models import TransactionList as TransactionList
from .models import TransactionStatus as TransactionStatus
from .models import TransactionType as TransactionType
from .models import Validity as Validity

__version__: str

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_DEADLINE",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "MAX_PAGE_SIZE",
    "MIN_PAGE_SIZE",
    "PRODUCTION_BASE_URL",
    "SANDBOX_BASE_URL",
    "Allowance",
    "AllowanceLimit",
    "AllowanceStatus",
    "ApiError",
    "AsyncCashier",
    "AsyncClient",
    "AuthenticationError",
    "CallbackEvent",
    "CallbackVerifier",
    "Cashier",
    "CashierRecord",
    "CashierStats",
    "CheckIn",
    "Client",
    "DecodeError",
    "Event",
    "EventKind",
    "Freeze",
    "InternalError",
    "InvalidInputError",
    "InvalidParametersError",
    "InvalidQrCodeError",
    "InvalidStateError",
    "IoError",
    "Item",
    "LifecycleError",
    "MacSigner",
    "Metadata",
    "Money",
    "NotFoundError",
    "Order",
    "OrderStatus",
    "Payment",
    "PaymentStatus",
    "PayseraError",
    "PlaceInfo",
    "RateLimitError",
    "Reserve",
    "Spot",
    "SpotList",
    "SpotStatus",
    "StoreError",
    "TickReport",
    "TimeoutError",
    "Transaction",
    "TransactionAllowance",
    "TransactionList",
    "TransactionStatus",
    "TransactionType",
    "TransportError",
    "UndeliveredEvent",
    "Validity",
    "parse_callback_form",
    "qr",
    "verify_callback",
]

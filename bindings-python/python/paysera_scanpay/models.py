"""Paysera's resources as Python objects.

A model wraps the wire JSON the core produced (or validated): attributes use Paysera's field
names (``transaction_key``, ``place_info``; ``for`` is ``for_``, ``_metadata`` is ``metadata``),
``to_dict()`` gives the wire JSON back exactly, models compare by value and pickle. Absent
optional fields read as ``None``. Statuses are ``str`` enums: they compare to plain strings and
keep values this version does not know.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import (
    Any,
    Callable,
    ClassVar,
    Dict,
    Generic,
    Iterator,
    List,
    Mapping,
    NoReturn,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
    overload,
)

__all__ = [
    "Allowance",
    "AllowanceLimit",
    "AllowanceStatus",
    "CallbackEvent",
    "CheckIn",
    "Field",
    "Freeze",
    "Item",
    "Metadata",
    "Model",
    "Money",
    "Order",
    "OrderStatus",
    "Payment",
    "PaymentStatus",
    "PlaceInfo",
    "Reserve",
    "Spot",
    "SpotList",
    "SpotStatus",
    "Transaction",
    "TransactionAllowance",
    "TransactionList",
    "TransactionStatus",
    "TransactionType",
    "Validity",
]

T = TypeVar("T")
M = TypeVar("M", bound="Model")


class WireEnum(str, Enum):
    """A status string. Known values are members; an unknown one (Paysera adds statuses over
    time) becomes a pseudo-member that keeps the string, so decoding never fails on it."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        return member

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, format_spec: str) -> str:
        return str.__format__(str(self), format_spec)

    @property
    def is_known(self) -> bool:
        """Whether this value is one this version of the library knows."""
        return type(self)._value2member_map_.get(self._value_) is self


class SpotStatus(WireEnum):
    WAITING = "waiting"
    OPEN = "open"
    CLOSED = "closed"


class OrderStatus(WireEnum):
    PENDING = "pending"
    RESERVED = "reserved"
    CONFIRMED = "confirmed"
    CLOSED = "closed"


class TransactionStatus(WireEnum):
    NEW = "new"
    WAITING = "waiting"
    WAITING_REGISTRATION = "waiting_registration"
    WAITING_FUNDS = "waiting_funds"
    WAITING_PASSWORD = "waiting_password"
    RESERVED = "reserved"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    REVOKED = "revoked"
    FAILED = "failed"
    DELETED = "deleted"

    @property
    def is_final(self) -> bool:
        """Whether the transaction can no longer change (unknown statuses are not final)."""
        return self.value in ("confirmed", "rejected", "revoked", "failed", "deleted")


class TransactionType(WireEnum):
    AUTOMATIC = "automatic"
    PAGE = "page"
    FLASH = "flash"
    PIN = "pin"
    RESERVATION_CODE = "reservation_code"


class PaymentStatus(WireEnum):
    NEW = "new"
    WAITING = "waiting"
    WAITING_REGISTRATION = "waiting_registration"
    RESERVED = "reserved"
    CONFIRMED = "confirmed"
    DONE = "done"
    REJECTED = "rejected"
    REVOKED = "revoked"
    FAILED = "failed"
    DELETED = "deleted"
    CANCELED = "canceled"


class AllowanceStatus(WireEnum):
    NEW = "new"
    ACTIVE = "active"
    INACTIVE = "inactive"
    DELETED = "deleted"


def _copy(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """Wire JSON for a value given to a constructor: models become dicts, a ``Decimal`` (a
    ``price_decimal``) its exact decimal string."""
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, Decimal):
        # Fixed-point, never exponent form: Decimal("1E+1") is "10". NaN and infinities stay
        # as their names, which the core rejects as it would the string.
        return format(value, "f") if value.is_finite() else str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


class Field(Generic[T]):
    """A model attribute reading one wire field (``None`` when absent)."""

    __slots__ = ("convert", "name", "wire")

    def __init__(self, wire: Optional[str] = None, convert: Optional[Callable[[Any], Any]] = None) -> None:
        self.wire = wire or ""
        self.name = ""
        self.convert = convert

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.wire = self.wire or name

    @overload
    def __get__(self, obj: None, owner: Optional[type] = None) -> Field[T]: ...

    @overload
    def __get__(self, obj: Model, owner: Optional[type] = None) -> T: ...

    def __get__(self, obj: Optional[Model], owner: Optional[type] = None) -> Any:
        if obj is None:
            return self
        raw = obj._data.get(self.wire)
        if raw is None:
            return None
        if self.convert is None:
            return _copy(raw) if isinstance(raw, (dict, list)) else raw
        cache = obj._cache
        try:
            value = cache[self.name]
        except KeyError:
            value = cache[self.name] = self.convert(raw)
        return list(value) if isinstance(value, tuple) else value

    def __set__(self, obj: Model, value: NoReturn) -> None:
        raise AttributeError(f"{type(obj).__name__} is immutable; build a new one with from_dict()")


def _many(cls: Type[M]) -> Callable[[Any], Tuple[M, ...]]:
    return lambda raw: tuple(cls._from_wire(item) for item in raw)


def _one(cls: Type[M]) -> Callable[[Any], M]:
    return cls._from_wire


def _native() -> Any:
    from . import _native as native

    return native


def _rebuild(cls: Type[M], data: Dict[str, Any]) -> M:
    return cls._from_wire(data)


class Model:
    """Base of every resource: immutable, compared by value, pickled as its wire JSON."""

    __slots__ = ("_cache", "_data")
    _kind: ClassVar[str] = ""
    _fields: ClassVar[Tuple[Field[Any], ...]] = ()
    _aliases: ClassVar[Dict[str, str]] = {}
    _data: Dict[str, Any]
    _cache: Dict[str, Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._kind = cls.__name__
        cls._fields = tuple(v for v in vars(cls).values() if isinstance(v, Field))
        cls._aliases = {f.name: f.wire for f in cls._fields if f.name != f.wire}

    def __init__(self, **fields: Any) -> None:
        """Builds the resource from wire fields (``for_`` for ``for``), validated by the core:
        a field of the wrong type raises ``InvalidInputError``. Unknown fields are kept."""
        data = {self._aliases.get(k, k): _plain(v) for k, v in fields.items()}
        object.__setattr__(self, "_data", _native().normalize(self._kind, data))
        object.__setattr__(self, "_cache", {})

    @classmethod
    def from_dict(cls: Type[M], data: Mapping[str, Any]) -> M:
        """Decodes wire JSON (e.g. ``json.loads`` of a response or callback), validated by the
        core; ``to_dict()`` of the result is the same JSON."""
        return cls._from_wire(_native().normalize(cls._kind, _plain(data)))

    @classmethod
    def _from_wire(cls: Type[M], data: Dict[str, Any]) -> M:
        self = object.__new__(cls)
        object.__setattr__(self, "_data", data)
        object.__setattr__(self, "_cache", {})
        return self

    def to_dict(self) -> Dict[str, Any]:
        """The wire JSON, exactly as Paysera sends it (a fresh copy)."""
        data: Dict[str, Any] = _copy(self._data)
        return data

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Model)
        return self._data == other._data

    __hash__ = None  # type: ignore[assignment]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; build a new one with from_dict()")

    def __repr__(self) -> str:
        parts = []
        for f in self._fields:
            if f.wire in self._data:
                value = getattr(self, f.name)
                text = repr(str(value)) if isinstance(value, WireEnum) else repr(value)
                parts.append(f"{f.name}={text}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_rebuild, (type(self), self._data))


class PlaceInfo(Model):
    """Public description of the place a spot belongs to."""

    __slots__ = ()
    title: Field[Optional[str]] = Field()
    description: Field[Optional[str]] = Field()
    address: Field[Optional[str]] = Field()
    logo_uri: Field[Optional[str]] = Field()
    location_id: Field[Optional[int]] = Field()


class CheckIn(Model):
    """A customer scanning a spot's code."""

    __slots__ = ()
    user_id: Field[Optional[int]] = Field()
    date: Field[Optional[int]] = Field()


class Order(Model):
    """A transaction attached to a spot."""

    __slots__ = ()
    id: Field[int] = Field()
    transaction_key: Field[str] = Field()
    status: Field[OrderStatus] = Field(convert=OrderStatus)


class Spot(Model):
    """A table or till with a static QR code ``PAYSERA*{location_id}:{identifier}``."""

    __slots__ = ()
    id: Field[int] = Field()
    status: Field[SpotStatus] = Field(convert=SpotStatus)
    identifier: Field[Optional[str]] = Field()
    place_info: Field[Optional[PlaceInfo]] = Field(convert=_one(PlaceInfo))
    check_ins: Field[Optional[List[CheckIn]]] = Field(convert=_many(CheckIn))
    orders: Field[Optional[List[Order]]] = Field(convert=_many(Order))


class Reserve(Model):
    """How long funds stay reserved: ``for_`` seconds (wire ``for``) or ``until`` a Unix time."""

    __slots__ = ()
    for_: Field[Optional[int]] = Field("for")
    until: Field[Optional[int]] = Field()

    def __init__(self, *, for_: Optional[int] = None, until: Optional[int] = None, **extra: Any) -> None:
        fields = {"for": for_, "until": until}
        super().__init__(**{k: v for k, v in fields.items() if v is not None}, **extra)


Freeze = Reserve


class Item(Model):
    """One line item of a payment: ``quantity`` (default 1) × the unit price (``price`` in minor
    units or ``price_decimal``, not both) in ``currency`` (the payment's when absent). A payment
    may be made of items alone; its price is then their total. ``total_price`` or
    ``total_price_decimal``, when given, must be price × quantity."""

    __slots__ = ()
    title: Field[Optional[str]] = Field()
    description: Field[Optional[str]] = Field()
    image_uri: Field[Optional[str]] = Field()
    price: Field[Optional[int]] = Field()
    price_decimal: Field[Optional[str]] = Field()
    currency: Field[Optional[str]] = Field()
    quantity: Field[Optional[int]] = Field()
    total_price: Field[Optional[int]] = Field()
    total_price_decimal: Field[Optional[str]] = Field()
    parameters: Field[Optional[Dict[str, Any]]] = Field()

    def __init__(
        self,
        title: Optional[str] = None,
        *,
        price: Optional[int] = None,
        currency: Optional[str] = None,
        price_decimal: Union[str, Decimal, None] = None,
        quantity: Optional[int] = None,
        description: Optional[str] = None,
        image_uri: Optional[str] = None,
        parameters: Optional[Mapping[str, Any]] = None,
        **extra: Any,
    ) -> None:
        fields = {
            "title": title,
            "price": price,
            "currency": currency,
            "price_decimal": price_decimal,
            "quantity": quantity,
            "description": description,
            "image_uri": image_uri,
            "parameters": parameters,
        }
        super().__init__(**{k: v for k, v in fields.items() if v is not None}, **extra)


class Payment(Model):
    """One payment of a transaction. Amounts are integer minor units (``price=1299`` is 12.99
    EUR) or an exact decimal (``price_decimal="12.99"`` or ``Decimal("12.99")``, kept as the
    string), never floats. A payment of ``items`` alone needs no price or description."""

    __slots__ = ()
    id: Field[Optional[int]] = Field()
    transaction_key: Field[Optional[str]] = Field()
    created_at: Field[Optional[int]] = Field()
    status: Field[Optional[PaymentStatus]] = Field(convert=PaymentStatus)
    cancelable: Field[Optional[bool]] = Field()
    price: Field[Optional[int]] = Field()
    currency: Field[Optional[str]] = Field()
    price_decimal: Field[Optional[str]] = Field()
    wallet: Field[Optional[int]] = Field()
    confirmed_at: Field[Optional[int]] = Field()
    freeze: Field[Optional[Reserve]] = Field(convert=_one(Reserve))
    freeze_for: Field[Optional[int]] = Field()
    description: Field[Optional[str]] = Field()
    parameters: Field[Optional[Dict[str, Any]]] = Field()
    items: Field[Optional[List[Item]]] = Field(convert=_many(Item))
    beneficiary: Field[Any] = Field()
    purpose: Field[Any] = Field()

    def __init__(
        self,
        *,
        description: Optional[str] = None,
        price: Optional[int] = None,
        currency: Optional[str] = None,
        price_decimal: Union[str, Decimal, None] = None,
        parameters: Optional[Mapping[str, Any]] = None,
        items: Optional[Sequence[Union[Item, Mapping[str, Any]]]] = None,
        freeze: Union[Reserve, Mapping[str, int], None] = None,
        beneficiary: Any = None,
        purpose: Any = None,
        **extra: Any,
    ) -> None:
        fields = {
            "description": description,
            "price": price,
            "currency": currency,
            "price_decimal": price_decimal,
            "parameters": parameters,
            "items": items,
            "freeze": freeze,
            "beneficiary": beneficiary,
            "purpose": purpose,
        }
        super().__init__(**{k: v for k, v in fields.items() if v is not None}, **extra)


class Money(Model):
    """An amount: integer minor units of ``currency`` (``price=1299`` is 12.99 EUR)."""

    __slots__ = ()
    price: Field[int] = Field()
    currency: Field[str] = Field()

    def __init__(self, price: int, currency: str) -> None:
        super().__init__(price=price, currency=currency)


class AllowanceLimit(Model):
    __slots__ = ()
    max_price: Field[Optional[int]] = Field()
    max_price_decimal: Field[Optional[str]] = Field()
    time: Field[Optional[int]] = Field()


class Validity(Model):
    __slots__ = ()
    until: Field[Optional[int]] = Field()


class Allowance(Model):
    """A pre-approved spending allowance."""

    __slots__ = ()
    id: Field[Optional[int]] = Field()
    transaction_key: Field[Optional[str]] = Field()
    created_at: Field[Optional[int]] = Field()
    status: Field[Optional[AllowanceStatus]] = Field(convert=AllowanceStatus)
    currency: Field[Optional[str]] = Field()
    wallet: Field[Optional[int]] = Field()
    confirmed_at: Field[Optional[int]] = Field()
    valid: Field[Optional[Validity]] = Field(convert=_one(Validity))
    description: Field[Optional[str]] = Field()
    max_price: Field[Optional[int]] = Field()
    max_price_decimal: Field[Optional[str]] = Field()
    limits: Field[Optional[List[AllowanceLimit]]] = Field(convert=_many(AllowanceLimit))


class TransactionAllowance(Model):
    __slots__ = ()
    optional: Field[Optional[bool]] = Field()
    data: Field[Optional[Allowance]] = Field(convert=_one(Allowance))


class Transaction(Model):
    """A transaction: one or more payments the customer confirms in the Paysera app."""

    __slots__ = ()
    transaction_key: Field[str] = Field()
    created_at: Field[Optional[int]] = Field()
    status: Field[TransactionStatus] = Field(convert=TransactionStatus)
    type: Field[Optional[TransactionType]] = Field(convert=TransactionType)
    wallet: Field[Optional[int]] = Field()
    valid_for_payment_card_debit: Field[Optional[bool]] = Field()
    confirmed_at: Field[Optional[int]] = Field()
    project_id: Field[Optional[int]] = Field()
    location_id: Field[Optional[int]] = Field()
    reserve: Field[Optional[Reserve]] = Field(convert=_one(Reserve))
    use_allowance: Field[Optional[bool]] = Field()
    suggest_allowance: Field[Optional[bool]] = Field()
    auto_confirm: Field[Optional[bool]] = Field()
    redirect_uri: Field[Optional[str]] = Field()
    #: A URL, or ``False`` when callbacks are disabled.
    callback_uri: Field[Union[str, bool, None]] = Field()
    payments: Field[Optional[List[Payment]]] = Field(convert=_many(Payment))
    inquiries: Field[Optional[List[Any]]] = Field()
    allowance: Field[Optional[TransactionAllowance]] = Field(convert=_one(TransactionAllowance))
    user: Field[Any] = Field()


class Metadata(Model):
    """Pagination data of a list (wire ``_metadata``)."""

    __slots__ = ()
    total: Field[Optional[int]] = Field()
    offset: Field[Optional[int]] = Field()
    limit: Field[Optional[int]] = Field()
    has_next: Field[Optional[bool]] = Field()
    has_previous: Field[Optional[bool]] = Field()
    cursors: Field[Any] = Field()


class SpotList(Model):
    """One page of ``GET /spots``; iterating it gives the spots."""

    __slots__ = ()
    spots: Field[List[Spot]] = Field(convert=_many(Spot))
    metadata: Field[Optional[Metadata]] = Field("_metadata", _one(Metadata))

    def __iter__(self) -> Iterator[Spot]:
        return iter(self.spots)

    def __len__(self) -> int:
        return len(self._data.get("spots") or ())


class TransactionList(Model):
    """One page of ``GET /transactions``; iterating it gives the transactions."""

    __slots__ = ()
    transactions: Field[List[Transaction]] = Field(convert=_many(Transaction))
    metadata: Field[Optional[Metadata]] = Field("_metadata", _one(Metadata))

    def __iter__(self) -> Iterator[Transaction]:
        return iter(self.transactions)

    def __len__(self) -> int:
        return len(self._data.get("transactions") or ())


class CallbackEvent(Model):
    """The JSON in a callback's ``event`` field: ``type`` (``reserved``, ``rejected``, ...),
    ``object`` and the transaction in ``data``."""

    __slots__ = ()
    type: Field[str] = Field()
    object: Field[Optional[str]] = Field()
    data: Field[Optional[Transaction]] = Field(convert=_one(Transaction))

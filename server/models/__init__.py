"""ORM rows (GeoAlchemy2). ``*Row`` names never shadow the dataclasses of ``geo/``."""

from server.models.areas import AreaPartRow
from server.models.areas import AreaRow
from server.models.auth import ApiKeyRow
from server.models.auth import AuditRow
from server.models.auth import LoginThrottleRow
from server.models.auth import TokenRow
from server.models.auth import UserRow
from server.models.base import Base
from server.models.complaints import ComplaintCountRow
from server.models.complaints import ComplaintRow
from server.models.complaints import ComplaintTimelineRow
from server.models.dispatch import DeliveryRow
from server.models.dispatch import DispatchRow
from server.models.dispatch import IncidentAreaRow
from server.models.dispatch import IncidentQuakeRow
from server.models.dispatch import IncidentRow
from server.models.dispatch import PositionRow
from server.models.dispatch import ResponderRow
from server.models.events import EventRow
from server.models.field import FieldReportRow
from server.models.field import PushSubscriptionRow
from server.models.quakes import CatalogEventRow
from server.models.quakes import ContourRow
from server.models.quakes import ExposureRow
from server.models.quakes import FeedStateRow
from server.models.quakes import QuakeAreaRow
from server.models.quakes import QuakeRow
from server.models.quakes import SightingRow
from server.models.units import UnitRow
from server.models.warnings import IncidentWarningRow
from server.models.warnings import WarningDistrictRow
from server.models.warnings import WarningRejectionRow
from server.models.warnings import WarningRow

__all__ = [
    "Base",
    "ComplaintRow",
    "ComplaintTimelineRow",
    "ComplaintCountRow",
    "ResponderRow",
    "PositionRow",
    "IncidentRow",
    "IncidentQuakeRow",
    "IncidentAreaRow",
    "DispatchRow",
    "DeliveryRow",
    "PushSubscriptionRow",
    "FieldReportRow",
    "AreaRow",
    "AreaPartRow",
    "EventRow",
    "UserRow",
    "TokenRow",
    "ApiKeyRow",
    "AuditRow",
    "LoginThrottleRow",
    "QuakeRow",
    "SightingRow",
    "ContourRow",
    "QuakeAreaRow",
    "ExposureRow",
    "CatalogEventRow",
    "FeedStateRow",
    "UnitRow",
    "WarningRow",
    "WarningDistrictRow",
    "IncidentWarningRow",
    "WarningRejectionRow",
]

"""What the contracts API modules share: the error responses of the schema."""

from common.schema import INVALID_INPUT, NOT_IN_SCOPE, ROLE_MISSING

ERRORS = {
    400: INVALID_INPUT,
    403: ROLE_MISSING,
    404: NOT_IN_SCOPE,
}

"""GET /api/v1/me/data: what is stored about the caller, from the summaries."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.permissions import IsEmployee
from governance.api.schema import errors
from governance.api.serializers.my_data import MyDataQuerySerializer, MyDataSerializer
from governance.selectors.my_data import my_data_summary

BAD_PERIOD = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="`days` is not a whole number from 1 to 365: `{days: [message]}`.",
    examples=[
        OpenApiExample(
            "Too long", value={"days": ["Ensure this value is less than or equal to 365."]}
        )
    ],
)


class MyDataView(APIView):
    permission_classes = [IsEmployee]

    @extend_schema(
        tags=["my data"],
        summary="What is stored about me: totals, events per day, sessions, redacted, dropped",
        description="Computed from the per-day and per-session summaries kept with the "
        "events, so it never reads the events themselves. Days are UTC.",
        parameters=[MyDataQuerySerializer],
        responses={200: MyDataSerializer, 400: BAD_PERIOD, **errors(403)},
    )
    def get(self, request):
        query = MyDataQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        summary = my_data_summary(employee=request.user.employee, days=query.validated_data["days"])
        return Response(MyDataSerializer(summary).data)

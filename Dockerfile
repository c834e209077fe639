# choreoscope image: builds the reactor, runs the application (role "all" unless CHOREOSCOPE_ROLES says otherwise).
FROM maven:3.9-eclipse-temurin-17 AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/backend/target/choreoscope-backend.jar /app/choreoscope-backend.jar
COPY --from=build /src/backend/target/lib /app/lib
EXPOSE 8080 8081 4317 4318
ENTRYPOINT ["java", "-cp", "/app/choreoscope-backend.jar:/app/lib/*", "io.choreoscope.launcher.Application"]
